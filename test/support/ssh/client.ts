/**
 * Minimal clients for tests of the test hosts: run one command over SSH with the `ssh2` npm
 * client (host key checked against the expected fingerprint), or with the `ssh` binary.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { Client, ConnectConfig, SFTPWrapper } from 'ssh2';

export interface SshTarget {
  address: string;
  port: number;
  user: string;
  /** "SHA256:..." the server's host key must have; the connection fails otherwise */
  hostKeyFingerprint: string;
}

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

function fingerprintOfBlob(blob: Buffer): string {
  return 'SHA256:' + crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Opens an ssh2 connection, verifying the host key; the caller must end() it. */
export function connect(target: SshTarget, privateKey: string, extra: Partial<ConnectConfig> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let seenFingerprint = '';
    c.once('ready', () => resolve(c));
    c.once('error', (e) => {
      if (seenFingerprint && seenFingerprint !== target.hostKeyFingerprint) {
        reject(new Error(`host key mismatch: server ${seenFingerprint}, expected ${target.hostKeyFingerprint}`));
      } else reject(e);
    });
    c.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      privateKey,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => {
        seenFingerprint = fingerprintOfBlob(key);
        return seenFingerprint === target.hostKeyFingerprint;
      },
      ...extra,
    });
  });
}

/** Runs `command` on an open connection and collects its output and exit code. */
export function execOn(client: Client, command: string, opts: { input?: string; env?: Record<string, string> } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, { env: opts.env }, (err, stream) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      let signal: string | undefined;
      stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      stream.on('exit', (c: number | null, s?: string) => {
        code = c;
        signal = s;
      });
      stream.on('close', () => resolve({ code, signal, stdout, stderr }));
      if (opts.input !== undefined) stream.end(opts.input);
      else stream.end();
    });
  });
}

/** Connects, runs one command, disconnects. */
export async function sshExec(target: SshTarget, privateKey: string, command: string, opts: { input?: string; env?: Record<string, string> } = {}): Promise<ExecResult> {
  const c = await connect(target, privateKey);
  try {
    return await execOn(c, command, opts);
  } finally {
    c.end();
  }
}

/** Opens the SFTP subsystem on an open connection. */
export function sftpOf(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))));
}

/** Runs the `ssh` binary with `args` (e.g. hosts.sshArgs(name)) followed by the remote command. */
export function sshBinary(args: string[], command: string, input?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [...args, command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code, sig) => resolve({ code, signal: sig ?? undefined, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
