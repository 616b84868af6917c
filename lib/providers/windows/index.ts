/**
 * The windows provider: Windows machines reached over SSH (`hybrid.nodes.windows.Host`, Windows
 * OpenSSH with cmd.exe as its shell) and their services (`hybrid.nodes.windows.Service`,
 * managed with sc.exe). Connections come from the ssh provider's pool: one per host and run,
 * host keys verified. Node types: lib/core/types/windows.ts.
 */
import { Provider } from '../../engine/provider';
import { ConnectionPool, PoolOptions } from '../ssh/connections';
import { hostOperations } from './host';
import { serviceOperations } from './service';

export { WINDOWS_HOST_TYPE, DEFAULT_DATA_DIRECTORY } from './session';
export { IDENTITY_VALUE, BINARY_DIGEST_VALUE } from './inspect';

export interface WindowsProvider extends Provider {
  readonly pool: ConnectionPool;
}

export function windowsProvider(options: PoolOptions = {}): WindowsProvider {
  const pool = new ConnectionPool(options);
  return {
    name: 'windows',
    pool,
    operations: { ...hostOperations(pool), ...serviceOperations(pool) },
    replaceOn: {
      // Another address is another machine: its services are installed afresh there.
      'hybrid.nodes.windows.Host': ['address'],
      // The name is the service's identity in the service control manager.
      'hybrid.nodes.windows.Service': ['name'],
    },
    close: () => pool.closeAll(),
  };
}
