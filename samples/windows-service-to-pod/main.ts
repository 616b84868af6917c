import { App, Fn, Input, InputType, Output, Stack } from 'hybrid-iac';
import { HostAuth } from 'hybrid-iac/constructs/hosts';
import { K8sCluster, K8sDeployment, K8sService, K8sServiceType } from 'hybrid-iac/constructs/kubernetes';
import { ServiceBinary, StartType, WindowsHost, WindowsService } from 'hybrid-iac/constructs/windows';

// A shop whose web frontend runs in Kubernetes and whose pricing engine is a Windows service on a
// Windows server, wired both ways: pods reach the pricing engine by a cluster DNS name, and the
// pricing engine is told where the frontend's Service is (for its callbacks).
const app = new App({ description: 'a Windows service and a Kubernetes Deployment that know each other' });
const stack = new Stack(app, 'windows-service-to-pod');

const windowsAddress = new Input(stack, 'windowsAddress', { description: 'Address of the Windows server (its OpenSSH server)' });
const windowsPort = new Input(stack, 'windowsPort', { type: InputType.INTEGER, default: 22, description: 'SSH port of the Windows server' });
const windowsUser = new Input(stack, 'windowsUser', { default: 'Administrator', description: 'An administrator of the Windows server' });
const windowsKey = new Input(stack, 'windowsKey', { default: '~/.ssh/id_ed25519', description: 'Private key that logs in as windowsUser' });
const windowsIp = new Input(stack, 'windowsIp', { default: '', description: 'The IP pods reach the Windows server at, when not windowsAddress' });
const frontendImage = new Input(stack, 'frontendImage', { default: 'nginx:1.25', description: 'Image of the web frontend' });

// The cluster of the deploying machine's kubeconfig (KUBECONFIG, then ~/.kube/config).
const cluster = K8sCluster.fromKubeconfig(stack, 'Cluster');

// The Windows server; its host key must be in ~/.ssh/known_hosts.
const server = new WindowsHost(stack, 'WindowsServer', {
  address: windowsAddress.value,
  ip: windowsIp.value,
  port: windowsPort.value,
  user: windowsUser.value,
  auth: HostAuth.keyFile(windowsKey.value),
});

// The frontend's Service, on a node port so that the Windows server (outside the cluster) can
// reach it. It selects the pods of the Deployment below by their label.
const frontendService = new K8sService(stack, 'Frontend', {
  cluster,
  type: K8sServiceType.NODE_PORT,
  selector: { 'app.kubernetes.io/name': 'frontend' },
  ports: [{ name: 'http', port: 80, targetPort: 8080 }],
});
const frontendUrl = Fn.concat('http://', frontendService.nodeAddress, ':', frontendService.nodePort('http'));

// The pricing engine: an executable already installed on the server, run as a service.
const pricing = new WindowsService(stack, 'Pricing', {
  host: server,
  serviceName: 'pricing-engine',
  displayName: 'Shop pricing engine',
  description: 'Prices carts for the shop frontend (deployed by hybrid)',
  binary: ServiceBinary.onHost('C:\\apps\\pricing\\pricing.exe'),
  // Windows → Kubernetes: where the frontend's Service is, as an argument and in the environment.
  arguments: ['C:\\apps\\pricing\\pricing.log', '--listen', '9000', '--frontend', frontendUrl],
  environment: { FRONTEND_URL: frontendUrl, FRONTEND_CLUSTER_IP: frontendService.clusterIp },
  startType: StartType.AUTO,
});

// Kubernetes → Windows: pods reach the pricing engine at pricing.default.svc.cluster.local:9000,
// a Service without selector whose Endpoints hold the Windows server's address.
const exposed = pricing.exposeToCluster(cluster, { name: 'pricing', port: 9000, namespace: 'default' });

new K8sDeployment(stack, 'FrontendPods', {
  cluster,
  name: 'frontend',
  replicas: 2,
  containers: [{
    name: 'web',
    image: frontendImage.value,
    ports: [{ containerPort: 8080, name: 'http' }],
    env: [{ name: 'PRICING_URL', value: Fn.concat('http://', exposed.dnsName, ':9000') }],
  }],
});

new Output(stack, 'pricingDnsName', { value: exposed.dnsName, description: 'The name pods reach the pricing engine by' });
new Output(stack, 'frontendUrl', { value: frontendUrl, description: 'Where the pricing engine reaches the frontend' });
