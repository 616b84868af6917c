import { App, Constraint, Input, InputType, Output, Stack } from 'hybrid-iac';
import { WordpressApp } from 'hybrid-iac/constructs/apps';
import { K8sCluster, K8sNamespace, K8sServiceType } from 'hybrid-iac/constructs/kubernetes';
import { OpenStackNetwork, OpenStackServerGroup, OpenStackServerGroupPolicy } from 'hybrid-iac/constructs/openstack';

// The seeds' central scenario in one `hybrid deploy`: a tenant network on OpenStack, VMs for a
// Kubernetes cluster (one master, two workers, each worker a unit of VM, port, floating IP and
// volume), Kubernetes installed on them over SSH with kubeadm, and WordPress on the new cluster.
// The cloud comes from clouds.yaml (OS_CLOUD) or the OS_* variables, as for the OpenStack CLI.
const app = new App({ description: 'An OpenStack network, a Kubernetes cluster on its VMs and WordPress on it' });
const stack = new Stack(app, 'k8s-on-openstack');

const image = new Input(stack, 'image', { default: 'ubuntu-22.04', description: 'The VM image: Ubuntu or Debian with cloud-init, sshd and sudo' });
const flavor = new Input(stack, 'flavor', { default: 'm1.medium', description: 'The VM flavor (kubeadm needs 2 CPUs and 2 GB of memory)' });
const sshUser = new Input(stack, 'sshUser', { default: 'ubuntu', description: "The image's login user" });
const sshPort = new Input(stack, 'sshPort', { type: InputType.INTEGER, default: 22, description: "The port the VMs' sshd listens on" });
const apiAccess = new Input(stack, 'apiAccess', {
  default: 'public',
  constraints: [Constraint.validValues(['public', 'advertised'])],
  description: "Reach the API server at the master's floating IP (public) or at its address on the network (advertised: from inside it, or over a VPN)",
});
// For images that come prepared, and for hybrid's own end-to-end test, whose "VMs" are sshds on
// the floating IPs with their files under the login directory (hostRoot '.') and recording
// doubles of kubeadm, kubectl, systemctl, containerd and apt-get.
const prepareHosts = new Input(stack, 'prepareHosts', { type: InputType.BOOLEAN, default: true, description: "Prepare each VM's operating system for Kubernetes" });
const hostRoot = new Input(stack, 'hostRoot', { default: '/', description: "The directory the install scripts take as each VM's /" });

const network = new OpenStackNetwork(stack, 'Network', { cidr: '10.20.0.0/24', externalNetwork: 'public' });
// Workers spread over compute hosts as far as the cloud allows: one host's failure takes one worker.
const workerSpread = new OpenStackServerGroup(stack, 'WorkerSpread', { policy: OpenStackServerGroupPolicy.SOFT_ANTI_AFFINITY });

const cluster = K8sCluster.onOpenStack(stack, 'Cluster', {
  network,
  image: image.value,
  flavor: flavor.value,
  workers: { count: 2, min: 1, max: 10, volumeGb: 1, serverGroup: workerSpread },
  sshUser: sshUser.value,
  sshPort: sshPort.value,
  apiAccess: apiAccess.value,
  // WordPress is on a NodePort: open the NodePort range, reached at the master's floating IP.
  nodePortsAllowedFrom: '0.0.0.0/0',
  version: '1.30.3',
  podCidr: '10.244.0.0/16',
  prepareHosts: prepareHosts.value,
  hostRoot: hostRoot.value,
});

// WordPress and MySQL in their own namespace, reached on a node port.
const namespace = new K8sNamespace(stack, 'Namespace', { cluster, name: 'wordpress' });
const blog = new WordpressApp(stack, 'Blog', {
  cluster,
  namespace,
  serviceType: K8sServiceType.NODE_PORT,
  wordpressStorage: '2Gi',
  mysqlStorage: '5Gi',
});

new Output(stack, 'apiServer', { value: cluster.endpoint, description: "The cluster's API server" });
new Output(stack, 'masterIp', { value: cluster.masterPublicIp, description: "The master's floating IP" });
new Output(stack, 'url', { value: blog.url, description: 'Where WordPress answers' });
