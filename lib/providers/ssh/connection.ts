/**
 * An open, authenticated SSH connection: sessions that run a command, the SFTP session, and
 * TCP streams opened from the host (for a connection through a bastion).
 */
import type * as net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { NonRecoverableError, RecoverableError } from '../../engine/provider';
import { ConnectionSpec, describeHost } from './connection-spec';
import { PublicKey } from './host-keys';

export interface ExecResult {
  /** The exit code, or null when the command was ended by a signal or the connection was lost. */
  readonly code: number | null;
  readonly signal?: string;
  /** True when the channel closed without an exit status: the connection dropped. */
  readonly lost: boolean;
}

export interface ExecOptions {
  /** Written to the command's stdin, which is then closed. */
  readonly stdin?: string;
  /** Output as it arrives, decoded as UTF-8 (never splitting a character). */
  readonly onData: (stream: 'stdout' | 'stderr', text: string) => void;
  /** Called with the channel once it is open (to send signals or close it early). */
  readonly onChannel?: (channel: ClientChannel) => void;
}

/** An open, authenticated SSH connection. */
export class SshConnection {
  private sftpChannel?: Promise<SFTPWrapper>;
  private closedFlag = false;
  private closeEmitted = false;
  /** The home (login) directory, as SFTP resolves `.`. */
  private home?: Promise<string>;

  constructor(
    public readonly spec: ConnectionSpec,
    private readonly client: Client,
    public readonly hostKey: PublicKey,
    /** The TCP socket of a direct connection (a connection through a bastion rides the bastion's). */
    private readonly socket?: net.Socket,
  ) {
    client.once('close', () => {
      this.closedFlag = true;
      this.closeEmitted = true;
    });
  }

  /** While no operation uses the connection, it must not keep the process alive. */
  public setActive(active: boolean): void {
    if (active) this.socket?.ref();
    else this.socket?.unref();
  }

  public get closed(): boolean {
    return this.closedFlag;
  }

  /** Runs `command` through the login shell; resolves when its channel closes. */
  public exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) return reject(this.channelError(error, 'open a session'));
        options.onChannel?.(channel);
        const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
        let code: number | null = null;
        let signal: string | undefined;
        let exited = false;
        channel.on('data', (chunk: Buffer) => options.onData('stdout', decoders.stdout.write(chunk)));
        channel.stderr.on('data', (chunk: Buffer) => options.onData('stderr', decoders.stderr.write(chunk)));
        channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
          exited = true;
          code = typeof exitCode === 'number' ? exitCode : null;
          if (typeof exitSignal === 'string') signal = exitSignal;
        });
        channel.once('close', () => {
          const restOut = decoders.stdout.end();
          const restErr = decoders.stderr.end();
          if (restOut) options.onData('stdout', restOut);
          if (restErr) options.onData('stderr', restErr);
          resolve({ code, ...(signal ? { signal } : {}), lost: !exited });
        });
        channel.on('error', () => undefined); // surfaced as a close without exit status
        if (options.stdin !== undefined) channel.end(options.stdin);
        else channel.end();
      });
    });
  }

  /** The connection's SFTP session, opened once. */
  public sftp(): Promise<SFTPWrapper> {
    if (!this.sftpChannel) {
      const opening: Promise<SFTPWrapper> = new Promise((resolve, reject) => {
        this.client.sftp((error, sftp) => {
          if (error) return reject(this.channelError(error, 'open an SFTP session'));
          sftp.once('close', () => {
            if (this.sftpChannel === opening) this.sftpChannel = undefined;
          });
          // Failures reach the pending requests' callbacks; an unheard 'error' would crash the process.
          sftp.on('error', () => undefined);
          resolve(sftp);
        });
      });
      this.sftpChannel = opening;
      opening.catch(() => {
        if (this.sftpChannel === opening) this.sftpChannel = undefined;
      });
    }
    return this.sftpChannel;
  }

  /** The login directory (relative paths are taken from it). */
  public homeDirectory(): Promise<string> {
    this.home ??= this.sftp().then(
      (sftp) => new Promise<string>((resolve, reject) => sftp.realpath('.', (error, absolute) => (error ? reject(error) : resolve(absolute)))),
    );
    this.home.catch(() => {
      this.home = undefined;
    });
    return this.home;
  }

  /** A TCP stream to `address:port` opened from this host (for a connection through a bastion). */
  public forwardOut(address: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, address, port, (error, stream) => {
        if (!error) {
          stream.on('error', () => undefined); // the tunnelled connection reports its own failure
          return resolve(stream);
        }
        if (/prohibited/i.test(error.message)) {
          return reject(new NonRecoverableError(`${describeHost(this.spec)} refused to forward a connection to ${address}:${port} (${error.message}): allow TCP forwarding on the bastion (AllowTcpForwarding yes)`));
        }
        reject(this.channelError(error, `open a connection to ${address}:${port}`));
      });
    });
  }

  /** Calls `listener` once the connection has closed, for whatever reason. */
  public onClose(listener: () => void): void {
    if (this.closeEmitted) listener();
    else this.client.once('close', listener);
  }

  public end(): void {
    this.closedFlag = true;
    this.client.end();
  }

  private channelError(error: Error, what: string): Error {
    const message = `cannot ${what} on ${describeHost(this.spec)}: ${error.message}`;
    // A lost connection, or a host at its session limit: both settle if tried again.
    return this.closedFlag || /not connected|no response|channel open failure/i.test(error.message)
      ? new RecoverableError(message, { cause: error })
      : new Error(message, { cause: error });
  }
}
