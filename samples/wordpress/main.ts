import { App, Constraint, Input, InputType, Output, Secret, Stack } from 'hybrid-iac';
import { WordpressApp } from 'hybrid-iac/constructs/apps';
import { K8sCluster, K8sNamespace } from 'hybrid-iac/constructs/kubernetes';

// WordPress and MySQL on a cluster that already exists: whichever kubeconfig kubectl would use
// (KUBECONFIG, else ~/.kube/config). Everything lives in its own namespace, so destroy leaves
// nothing behind.
const app = new App({ description: 'WordPress and MySQL on an existing Kubernetes cluster' });
const stack = new Stack(app, 'wordpress');

const replicas = new Input(stack, 'replicas', {
  type: InputType.INTEGER,
  default: 1,
  description: 'WordPress pods (more than one needs ReadWriteMany storage on a multi-node cluster)',
  constraints: [Constraint.inRange(1, 10)],
});

const cluster = K8sCluster.fromKubeconfig(stack, 'Cluster');
const namespace = new K8sNamespace(stack, 'Namespace', { cluster, name: 'wordpress' });

const blog = new WordpressApp(stack, 'Blog', {
  cluster,
  namespace,
  replicas: replicas.value,
  // Set HYBRID_SECRET_WORDPRESS_DB_PASSWORD, pass --secrets-file, or type it when asked.
  databasePassword: Secret.fromName('wordpress-db-password'),
  wordpressStorage: '2Gi',
  mysqlStorage: '5Gi',
});

new Output(stack, 'url', { value: blog.url, description: 'Where WordPress answers' });
