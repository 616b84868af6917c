/**
 * Opening one SSH connection: the login (key file, key from a secret, ssh-agent), the host key
 * verification, keepalives, and errors a user can act on — a wrong host key (HostKeyMismatch), a
 * refused login (ProviderAuthFailed), an unreachable host (recoverable, so the engine retries).
 * `ssh2` loads here, on the first connection, so registering the provider costs the CLI nothing.
 */
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { ErrorCode, HybridError } from '../../core/errors';
import { NonRecoverableError, RecoverableError } from '../../engine/provider';
import { SshConnection } from './connection';
import { ConnectionSpec, describeHost } from './connection-spec';
import { KnownHostsEntry, PublicKey, expandHome, preferredAlgorithms, publicKeyOf, readKnownHosts, verifyHostKey } from './host-keys';

/** What the pool tells the operation using it. */
export interface ConnectionEvents {
  log(level: 'debug' | 'info' | 'warn', message: string): void;
  /** The fingerprint a trust-on-first-use host presented when it was first seen. */
  firstUse?(fingerprint: string): void;
}

type Ssh2 = typeof import('ssh2');
let ssh2: Ssh2 | undefined;
function loadSsh2(): Ssh2 {
  ssh2 ??= require('ssh2') as Ssh2;
  return ssh2;
}

export interface OpenOptions {
  readonly events: ConnectionEvents;
  /** Relative key file and known_hosts paths are taken from here. */
  readonly baseDirectory: string;
  /** A stream to the host opened by a bastion; without one, a TCP connection of our own. */
  readonly stream?: ClientChannel;
}

/** Connects, verifies the host key and logs in; the caller owns the connection. */
export async function openConnection(spec: ConnectionSpec, options: OpenOptions): Promise<SshConnection> {
  const { events, baseDirectory, stream } = options;
  const auth = await authConfig(spec, baseDirectory);
  const known: KnownHostsEntry | undefined =
    spec.hostKey.policy === 'known_hosts' ? await readKnownHosts(path.resolve(baseDirectory, expandHome(spec.hostKey.file)), spec.address, spec.port) : undefined;

  const { Client } = loadSsh2();
  const client = new Client();
  // Our own socket, so that an idle connection can be unref'd.
  const socket = stream ? undefined : net.connect({ host: spec.address, port: spec.port });
  socket?.setNoDelay(true);
  let presented: PublicKey | undefined;
  let refusal: Error | undefined;
  let firstUse = false;
  const config: ConnectConfig = {
    host: spec.address,
    port: spec.port,
    username: spec.user,
    readyTimeout: spec.connectTimeoutMs,
    // ssh2's keepalive timer would keep the process alive: see startKeepalive.
    keepaliveInterval: 0,
    algorithms: { serverHostKey: preferredAlgorithms(known?.trusted ?? []) as any },
    hostVerifier: (key: Buffer) => {
      presented = publicKeyOf(key);
      const verdict = verifyHostKey(spec, spec.hostKey, known, presented);
      if (!verdict.accepted) refusal = verdict.error;
      else firstUse = verdict.firstUse === true;
      return verdict.accepted;
    },
    ...auth,
    sock: (stream ?? socket) as any,
  };
  const via = spec.bastion ? ` through bastion ${describeHost(spec.bastion)}` : '';

  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      // One listener for the connection's whole life: ssh2 may emit several errors for one
      // failure (a timeout, then the lost socket), and an unheard 'error' would crash the process.
      // Errors after login (a dropped connection) end it; the operations using it see their
      // channels close and fail as recoverable.
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        if (settled) {
          events.log('debug', `connection to ${describeHost(spec)} failed: ${error.message}`);
          return;
        }
        settled = true;
        client.end();
        reject(classifyConnectError(spec, error, refusal, via, auth));
      });
      client.once('ready', () => {
        settled = true;
        resolve();
      });
      client.connect(config);
    });
  } catch (error) {
    socket?.destroy();
    throw error;
  }
  startKeepalive(client, (socket ?? stream!) as NodeJS.EventEmitter, spec.keepaliveIntervalMs, () => events.log('debug', `${describeHost(spec)} stopped answering keepalives; the connection was closed`));
  if (firstUse && presented) {
    events.log('warn', `trusting the host key ${presented.fingerprint} (${presented.type}) of ${describeHost(spec)} on first use; it is recorded and required from now on`);
    events.firstUse?.(presented.fingerprint);
  }
  events.log('debug', `connected to ${describeHost(spec)}${via}`);
  return new SshConnection(spec, client, presented!, socket);
}

/**
 * OpenSSH-style keepalives (a `keepalive@openssh.com` request every interval; the connection is
 * given up after 3 intervals without any data from the server), on a timer that does not keep the
 * process alive. ssh2's own keepalive timer would, so it is off and this sends its ping instead.
 */
function startKeepalive(client: Client, stream: NodeJS.EventEmitter, intervalMs: number, onDead: () => void): void {
  // ssh2 1.x internals, as its own keepalive uses them: the reply is matched to the callback queue.
  const internals = client as unknown as { _protocol?: { ping?: () => void }; _callbacks?: Array<() => void> };
  const protocol = internals._protocol;
  if (intervalMs <= 0 || typeof protocol?.ping !== 'function' || !Array.isArray(internals._callbacks)) return;
  let lastHeard = Date.now();
  stream.on('data', () => {
    lastHeard = Date.now();
  });
  const timer = setInterval(() => {
    if (Date.now() - lastHeard > intervalMs * 3) {
      clearInterval(timer);
      onDead();
      client.destroy();
      return;
    }
    try {
      internals._callbacks!.push(() => undefined);
      protocol.ping!();
    } catch {
      // the socket is closing: its close ends the connection
    }
  }, intervalMs);
  timer.unref();
  client.once('close', () => clearInterval(timer));
}

interface AuthConfig {
  readonly privateKey?: string | Buffer;
  readonly passphrase?: string;
  readonly agent?: string;
  /** For messages: how we tried to log in. */
  readonly label: string;
}

async function authConfig(spec: ConnectionSpec, baseDirectory: string): Promise<AuthConfig> {
  const { utils } = loadSsh2();
  const checkKey = (key: string | Buffer, what: string, passphrase?: string) => {
    const parsed = utils.parseKey(key, passphrase);
    if (parsed instanceof Error) {
      // ssh2's parse messages describe the format, never the key's content.
      throw new NonRecoverableError(`${what} of ${describeHost(spec)} cannot be used: ${parsed.message}`);
    }
  };
  switch (spec.auth.method) {
    case 'key_file': {
      const file = path.resolve(baseDirectory, expandHome(spec.auth.path));
      let key: Buffer;
      try {
        key = await fs.readFile(file);
      } catch (error) {
        throw new NonRecoverableError(`cannot read the key file ${file} for ${describeHost(spec)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      checkKey(key, `the key file ${file}`, spec.auth.passphrase);
      return { privateKey: key, ...(spec.auth.passphrase ? { passphrase: spec.auth.passphrase } : {}), label: `the key file ${file}` };
    }
    case 'private_key':
      checkKey(spec.auth.privateKey, 'the private key from a secret', spec.auth.passphrase);
      return { privateKey: spec.auth.privateKey, ...(spec.auth.passphrase ? { passphrase: spec.auth.passphrase } : {}), label: 'the private key from a secret' };
    case 'agent': {
      const socket = spec.auth.socket ?? process.env.SSH_AUTH_SOCK;
      if (!socket) {
        throw new NonRecoverableError(`${describeHost(spec)} logs in with ssh-agent, but SSH_AUTH_SOCK is not set: start an agent (eval $(ssh-agent); ssh-add) or give the Host another HostAuth`);
      }
      return { agent: socket, label: `the keys of ssh-agent at ${socket}` };
    }
  }
}

const NETWORK_REASONS: { [code: string]: string } = {
  ECONNREFUSED: 'connection refused (is sshd running on that port?)',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host is down',
  EPIPE: 'connection closed',
  EAI_AGAIN: 'name lookup failed for now',
};

function classifyConnectError(spec: ConnectionSpec, error: Error & { level?: string; code?: string }, refusal: Error | undefined, via: string, auth: AuthConfig): Error {
  if (refusal) return refusal;
  if (HybridError.isHybridError(error) || error instanceof NonRecoverableError || error instanceof RecoverableError) return error;
  if (error.level === 'client-authentication') {
    return new HybridError(ErrorCode.ProviderAuthFailed, `${describeHost(spec)} refused to log in user '${spec.user}' with ${auth.label}: check that its public key is in the user's authorized_keys`, { cause: error });
  }
  if (error.code === 'ENOTFOUND') {
    return new NonRecoverableError(`cannot connect to ${describeHost(spec)}${via}: the address '${spec.address}' does not resolve`, { cause: error });
  }
  const reason =
    (error.code && NETWORK_REASONS[error.code]) ??
    (error.level === 'client-timeout' ? `no SSH handshake within ${spec.connectTimeoutMs / 1000} s` : error.message);
  return new RecoverableError(`cannot connect to ${describeHost(spec)}${via}: ${reason}`, { cause: error });
}
