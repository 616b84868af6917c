/**
 * `hybrid.nodes.windows.Host`: an existing Windows machine. Create (and update) connects —
 * verifying the host key and the login — and records facts about the host as attributes; with
 * trust-on-first-use it also records the key it saw, which every later connection must present.
 * Nothing is ever deleted from a host, so there is no delete.
 */
import { promises as dns } from 'node:dns';
import * as net from 'node:net';
import { OperationContext, OperationResult, ReadResult } from '../../engine/provider';
import { FINGERPRINT_PROPERTY } from '../ssh/connection-spec';
import { ConnectionPool } from '../ssh/connections';
import { withSession } from './session';

/** Markers around each fact, so that cmd's echo of an empty variable cannot shift the lines. */
const FACTS_COMMAND = 'ver & echo ::hostname::%COMPUTERNAME% & echo ::arch::%PROCESSOR_ARCHITECTURE%';

function fact(output: string, name: string): string {
  const match = new RegExp(`::${name}::(.*)`).exec(output);
  const value = match ? match[1].trim() : '';
  return value.startsWith('%') ? '' : value;
}

/**
 * Cloudify's `ip` of a Compute is an IP address (Kubernetes Endpoints need one): the `ip`
 * property when given, else the address itself or what the deploying machine resolves it to.
 */
async function ipAddressOf(address: string): Promise<string> {
  if (net.isIP(address)) return address;
  try {
    return (await dns.lookup(address)).address;
  } catch {
    return address;
  }
}

export function hostOperations(pool: ConnectionPool) {
  const describe = (context: OperationContext) =>
    withSession(pool, context, async (session) => {
      const result = await session.run(FACTS_COMMAND);
      const version = /(Microsoft Windows[^\r\n]*)/.exec(result.stdout)?.[1]?.trim() ?? '';
      return {
        ip: typeof context.instance.properties.ip === 'string' && context.instance.properties.ip !== '' ? context.instance.properties.ip : await ipAddressOf(session.address),
        address: session.address,
        hostname: fact(result.stdout, 'hostname'),
        arch: fact(result.stdout, 'arch'),
        os_version: version,
        [FINGERPRINT_PROPERTY]: session.hostKey.fingerprint,
        host_key_type: session.hostKey.type,
      };
    }, context.instance);

  const create = async (context: OperationContext): Promise<OperationResult> => {
    const facts = await describe(context);
    context.log('info', `connected to ${facts.hostname || facts.ip} (${facts.os_version || 'Windows version unknown'}, ${facts.arch || 'architecture unknown'}; host key ${facts[FINGERPRINT_PROPERTY]})`);
    return { runtimeProperties: facts };
  };

  /** The host exists while it answers; a changed host key fails verification before this returns. */
  const read = async (context: OperationContext): Promise<ReadResult> => ({ exists: true, drift: [], runtimeProperties: await describe(context) });

  return {
    'hybrid.windows.host.create': create,
    'hybrid.windows.host.update': create,
    'hybrid.windows.host.read': read,
  };
}
