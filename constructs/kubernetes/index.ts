/**
 * Typed Kubernetes constructs (the `kubernetes` provider): any API object, and the kinds people
 * use most with their props checked. Data types (containers, volumes, probes...) are generated
 * from the Kubernetes API models (api.generated.ts).
 */
export * from './api.generated';
export * from './cluster';
export * from './on-hosts';
export * from './on-openstack';
export { K8sObject, K8sObjectOptions, K8sNamespacedOptions, K8sObjectProps, K8sNamespace, K8sNamespaceProps } from './object';
export { K8sPodTemplateOptions, K8sMountOptions } from './pod';
export * from './config';
export * from './storage';
export {
  K8sWorkload, K8sWorkloadProps, K8sDeployment, K8sDeploymentProps, K8sStatefulSet, K8sStatefulSetProps, K8sClaimTemplate, K8sDaemonSet, K8sDaemonSetProps,
  K8sJob, K8sJobProps, K8sJobOptions, K8sCronJob, K8sCronJobProps, K8sRestartPolicy,
} from './workloads';
export * from './service';
export * from './rbac';
export * from './manifest';
