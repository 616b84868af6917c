import { App, Input, InputType, Output, Stack } from 'hybrid-iac';
import { WordpressApp } from 'hybrid-iac/constructs/apps';
import { Host, HostAuth } from 'hybrid-iac/constructs/hosts';
import { K8sCluster, K8sNamespace, K8sServiceType } from 'hybrid-iac/constructs/kubernetes';

// A Kubernetes cluster on three machines you already have (bare metal, or VMs made elsewhere):
// hybrid logs in over SSH, installs containerd and kubeadm, makes the first machine the control
// plane and joins the other two as workers; then WordPress goes onto the new cluster through the
// kubeconfig the control plane produced. One `hybrid deploy` does all of it.
const app = new App({ description: 'A Kubernetes cluster installed with kubeadm on three existing hosts, and WordPress on it' });
const stack = new Stack(app, 'bare-metal-cluster');

const sshUser = new Input(stack, 'sshUser', { default: 'debian', description: 'The login user on every host: root, or a user who may sudo without a password' });
const sshKey = new Input(stack, 'sshKey', { default: '~/.ssh/id_ed25519', description: 'The private key that logs in as sshUser' });

// Each host's key must be in ~/.ssh/known_hosts (ssh-keyscan it once, and check it).
function host(id: string, role: string): Host {
  const address = new Input(stack, `${id}Address`, { description: `Address of the ${role}` });
  const port = new Input(stack, `${id}Port`, { type: InputType.INTEGER, default: 22, description: `SSH port of the ${role}` });
  return new Host(stack, id, { address: address.value, port: port.value, user: sshUser.value, auth: HostAuth.keyFile(sshKey.value) });
}

const master = host('master', 'control-plane host');
const workers = [host('worker1', 'first worker host'), host('worker2', 'second worker host')];

// For hosts that come prepared (swap off, kernel modules, the pkgs.k8s.io apt source), and for
// hybrid's own end-to-end test, which runs this sample on SSH test hosts whose files live under
// their login directory (hostRoot '.') and whose kubeadm, kubectl, systemctl, containerd and
// apt-get are recording doubles.
const prepareHosts = new Input(stack, 'prepareHosts', { type: InputType.BOOLEAN, default: true, description: 'Prepare the operating system of each host for Kubernetes' });
const hostRoot = new Input(stack, 'hostRoot', { default: '/', description: "The directory the install scripts take as each host's /" });

const cluster = K8sCluster.onHosts(stack, 'Cluster', {
  master,
  workers,
  version: '1.30.3',
  podCidr: '10.244.0.0/16',
  prepareHosts: prepareHosts.value,
  hostRoot: hostRoot.value,
});

// WordPress and MySQL in their own namespace; bare metal has no load balancer, so WordPress is
// reached on a node port. The database password is generated in the cluster and stays there.
const namespace = new K8sNamespace(stack, 'Namespace', { cluster, name: 'wordpress' });
const blog = new WordpressApp(stack, 'Blog', {
  cluster,
  namespace,
  serviceType: K8sServiceType.NODE_PORT,
  wordpressStorage: '2Gi',
  mysqlStorage: '5Gi',
});

new Output(stack, 'apiServer', { value: cluster.endpoint, description: "The cluster's API server" });
new Output(stack, 'url', { value: blog.url, description: 'Where WordPress answers' });
