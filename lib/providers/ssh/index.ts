/**
 * The ssh provider: hosts reached over SSH (`hybrid.nodes.ssh.Host`) and the commands, scripts
 * and files on them, plus `hybrid.ssh.run` for any operation of a node contained in a Host.
 * One provider instance holds one pool of connections: create one per run and close it after.
 */
import { Provider } from '../../engine/provider';
import { ConnectionPool, PoolOptions } from './connections';
import { fileOperations } from './file';
import { hostOperations } from './host';
import { runOperations } from './run';

export { OUTPUT_MARKER } from './outputs';
export { RAN_AT } from './run';
export { HOST_TYPE, FINGERPRINT_PROPERTY, parseConnection, findHost } from './connection-spec';
export type { ConnectionSpec } from './connection-spec';
export { ConnectionPool } from './connections';

export interface SshProviderOptions extends PoolOptions {}

export interface SshProvider extends Provider {
  /** The provider's connections (exposed for tests and for providers that reach hosts over SSH too). */
  readonly pool: ConnectionPool;
}

export function sshProvider(options: SshProviderOptions = {}): SshProvider {
  const pool = new ConnectionPool(options);
  return {
    name: 'ssh',
    pool,
    operations: { ...hostOperations(pool), ...runOperations(pool), ...fileOperations(pool) },
    replaceOn: {
      // Another address is another machine: what runs on it is installed afresh on the new one.
      'hybrid.nodes.ssh.Host': ['address'],
      'hybrid.nodes.ssh.Command': ['triggers'],
      'hybrid.nodes.ssh.Script': ['triggers'],
      'hybrid.nodes.ssh.File': ['path'],
    },
    close: () => pool.closeAll(),
  };
}
