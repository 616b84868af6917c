import { ProviderRegistry } from '../engine/provider';
import { kubernetesProvider } from '../providers/kubernetes';
import { localProvider } from '../providers/local';
import { openstackProvider } from '../providers/openstack';
import { sshProvider } from '../providers/ssh';
import { windowsProvider } from '../providers/windows';

/**
 * Every provider hybrid ships. Provider modules load their SDKs lazily inside handlers, so
 * registering them all costs little at start-up.
 */
export function defaultRegistry(): ProviderRegistry {
  return new ProviderRegistry()
    .register(localProvider())
    .register(sshProvider())
    .register(kubernetesProvider())
    .register(openstackProvider())
    .register(windowsProvider());
}
