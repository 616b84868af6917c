/**
 * Real servers the ssh provider tests need beyond the test hosts: a bastion sshd that allows TCP
 * forwarding (the test hosts forbid it), and an ssh-agent holding the client key. Both are built
 * from test/support/ssh's helpers and OpenSSH's own binaries.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { commonSshdOptions, generateKey, launchSshd, prepareSshd, SshTestHosts } from '../../../support/ssh/hosts';
import { fingerprintOf, freePort, killOnExit, killTree, runOk, waitExit } from '../../../support/ssh/process-util';

export interface Bastion {
  readonly address: string;
  readonly port: number;
  readonly hostKeyFingerprint: string;
  /** sshd's log at DEBUG1: forwarded connections appear as `server_request_direct_tcpip`. */
  readonly logFile: string;
  stop(): Promise<void>;
}

/** An sshd on `address` that trusts the hosts' client key and forwards TCP connections. */
export async function startBastion(hosts: SshTestHosts, address = '127.0.0.30'): Promise<Bastion> {
  prepareSshd();
  const directory = path.join(hosts.tmpDir, 'bastion');
  fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
  const hostKey = await generateKey(path.join(directory, 'ssh_host_ed25519_key'), 'hybrid-test-bastion');
  const port = await freePort(address);
  const options = commonSshdOptions('DEBUG1').filter((line) => !line.startsWith('AllowTcpForwarding'));
  const config = path.join(directory, 'sshd_config');
  fs.writeFileSync(config, [
    `ListenAddress ${address}:${port}`,
    `HostKey ${path.join(directory, 'ssh_host_ed25519_key')}`,
    `PidFile ${path.join(directory, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(hosts.tmpDir, 'client', 'authorized_keys')}`,
    'AllowTcpForwarding yes',
    ...options,
    '',
  ].join('\n'));
  const logFile = path.join(directory, 'sshd.log');
  const child = await launchSshd(config, logFile, 'bastion');
  const forget = killOnExit(child.pid!);
  return {
    address,
    port,
    hostKeyFingerprint: fingerprintOf(hostKey.publicKey),
    logFile,
    stop: async () => {
      await killTree(child.pid!);
      await waitExit(child);
      forget();
    },
  };
}

export interface Agent {
  readonly socket: string;
  stop(): Promise<void>;
}

/** `ssh-agent -D` on a socket of its own, holding `keyFile`. */
export async function startAgent(directory: string, keyFile: string): Promise<Agent> {
  const socket = path.join(directory, `agent-${process.pid}.sock`);
  const child: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  const forget = killOnExit(child.pid!);
  for (let waited = 0; !fs.existsSync(socket); waited += 20) {
    if (waited > 5_000) throw new Error('ssh-agent did not create its socket in 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await runOk('ssh-add', ['-q', keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
  return {
    socket,
    stop: async () => {
      child.kill('SIGTERM');
      await waitExit(child);
      forget();
    },
  };
}
