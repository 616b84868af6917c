/**
 * `hybrid.nodes.ssh.Host`: an existing machine. Create (and update) connects — verifying the host
 * key and the login — and records facts about the host as attributes; with trust-on-first-use it
 * also records the key it saw, which every later connection must then present. Nothing is ever
 * deleted from a host, so there is no delete.
 */
import { OperationContext, OperationResult, ReadResult } from '../../engine/provider';
import { FINGERPRINT_PROPERTY, parseConnection } from './connection-spec';
import { ConnectionPool, SshConnection } from './connections';
import { shQuote } from './quoting';
import { connectionEvents, registerConnectionSecrets } from './session';

const FACTS_SCRIPT = [
  'uname -s',
  'uname -m',
  'hostname 2>/dev/null || uname -n',
  'if [ -r /etc/os-release ]; then . /etc/os-release; printf "%s\\n%s\\n" "$ID" "$VERSION_ID"; else printf "\\n\\n"; fi',
].join('; ');

/** What create records about a host. */
async function facts(connection: SshConnection): Promise<{ [name: string]: string }> {
  let stdout = '';
  const result = await connection.exec(`exec /bin/sh -c ${shQuote(FACTS_SCRIPT)}`, { onData: (stream, text) => (stream === 'stdout' ? (stdout += text) : undefined) });
  const [kernel = '', arch = '', hostname = '', osId = '', osVersion = ''] = stdout.split('\n');
  const recorded: { [name: string]: string } = {
    ip: connection.spec.address,
    [FINGERPRINT_PROPERTY]: connection.hostKey.fingerprint,
    host_key_type: connection.hostKey.type,
  };
  if (result.code === 0) Object.assign(recorded, { kernel, arch, hostname, os_id: osId, os_version: osVersion });
  return recorded;
}

export function hostOperations(pool: ConnectionPool) {
  const connectAndDescribe = async (context: OperationContext) => {
    const spec = parseConnection(context.instance.node, context.instance.properties, context.instance.runtimeProperties[FINGERPRINT_PROPERTY]);
    registerConnectionSecrets(context, spec);
    return pool.use(spec, connectionEvents(context), facts, context.baseDirectory);
  };

  const create = async (context: OperationContext): Promise<OperationResult> => {
    const recorded = await connectAndDescribe(context);
    const system = [recorded.os_id, recorded.os_version, recorded.arch].filter(Boolean).join(' ') || 'system unknown';
    context.log('info', `connected to ${recorded.hostname || recorded.ip} (${system}; host key ${recorded[FINGERPRINT_PROPERTY]})`);
    return { runtimeProperties: recorded };
  };

  /** The host exists while it answers; a changed host key fails verification before this returns. */
  const read = async (context: OperationContext): Promise<ReadResult> => {
    const recorded = await connectAndDescribe(context);
    return { exists: true, drift: [], runtimeProperties: recorded };
  };

  return {
    'hybrid.ssh.host.create': create,
    'hybrid.ssh.host.update': create,
    'hybrid.ssh.host.read': read,
  };
}
