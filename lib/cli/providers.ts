import { ProviderRegistry } from '../engine/provider';
import { localProvider } from '../providers/local';

/**
 * Every provider hybrid ships. Provider modules load their SDKs lazily inside handlers, so
 * registering them all costs little at start-up.
 */
export function defaultRegistry(): ProviderRegistry {
  return new ProviderRegistry().register(localProvider());
}
