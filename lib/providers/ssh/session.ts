/**
 * What every ssh operation does first: find the host the instance runs on, register the
 * connection's secrets for masking, and borrow the pooled connection to it.
 */
import { OperationContext } from '../../engine/provider';
import { ConnectionSpec, connectionFor } from './connection-spec';
import { ConnectionEvents, ConnectionPool, SshConnection } from './connections';

/** Registers every secret a connection spec holds, the bastion's too. */
export function registerConnectionSecrets(context: OperationContext, spec: ConnectionSpec | undefined): void {
  for (let current = spec; current; current = current.bastion) {
    if (current.auth.method === 'private_key') context.registerSecret(current.auth.privateKey);
    if (current.auth.method !== 'agent' && current.auth.passphrase) context.registerSecret(current.auth.passphrase);
    if (current.sudoPassword) context.registerSecret(current.sudoPassword);
  }
}

export function connectionEvents(context: OperationContext, onFirstUse?: (fingerprint: string) => void): ConnectionEvents {
  return {
    log: (level, message) => context.log(level, message),
    ...(onFirstUse ? { firstUse: onFirstUse } : {}),
  };
}

/** Runs `work` on a connection to the host of the context's instance. */
export async function withHost<T>(pool: ConnectionPool, context: OperationContext, work: (connection: SshConnection) => Promise<T>, spec = connectionFor(context)): Promise<T> {
  registerConnectionSecrets(context, spec);
  return pool.use(spec, connectionEvents(context), work, context.baseDirectory);
}
