/**
 * Talking to a Windows host: the connection (the ssh provider's pooled, host-key-verified SSH
 * connections; Windows OpenSSH with cmd.exe as its shell), command lines run under `cmd.exe /c`,
 * and files over SFTP with Windows paths (`C:\x\y` travels as `C:/x/y`, which Windows OpenSSH
 * and the Wine test host both accept).
 */
import type { SFTPWrapper, Stats } from 'ssh2';
import { InstanceView, NonRecoverableError, OperationContext, RecoverableError } from '../../engine/provider';
import { ConnectionSpec, FINGERPRINT_PROPERTY, parseConnection } from '../ssh/connection-spec';
import { ConnectionPool, SshConnection } from '../ssh/connections';

export const WINDOWS_HOST_TYPE = 'hybrid.nodes.windows.Host';
export const DEFAULT_DATA_DIRECTORY = 'C:\\ProgramData\\hybrid';

/** The Windows host an operation runs on: the instance itself or the one it is contained in. */
export function findWindowsHost(instance: InstanceView): InstanceView {
  for (let current: InstanceView | undefined = instance; current; current = current.host) {
    if (current.type === WINDOWS_HOST_TYPE || current.typeHierarchy.includes(WINDOWS_HOST_TYPE)) return current;
  }
  throw new NonRecoverableError(
    `${instance.id} (${instance.type}) is not contained in a ${WINDOWS_HOST_TYPE}: give it a cloudify.relationships.contained_in relationship to the Windows host it runs on`,
  );
}

/** A Windows path: drive letter, colon, backslash; `/` is accepted and turned into `\`. */
export function windowsPath(value: string, what: string): string {
  const normalized = value.replace(/\//g, '\\');
  if (!/^[A-Za-z]:\\/.test(normalized) || /[\0\r\n"<>|?*]/.test(normalized.slice(2)) || normalized.includes(':', 2)) {
    throw new NonRecoverableError(`${what} must be an absolute Windows path such as C:\\ProgramData\\app\\app.exe, got ${JSON.stringify(value)}`);
  }
  return normalized.replace(/\\+$/, '') || normalized;
}

/** `C:\x\y` → `C:/x/y`, the form SFTP servers on Windows (and the Wine test host) take. */
export function sftpPath(path: string): string {
  return path.replace(/\\/g, '/');
}

/** The parent directory of a Windows path (`C:\a\b` → `C:\a`; `C:\a` → `C:\`). */
export function parentDirectory(path: string): string {
  const slash = path.lastIndexOf('\\');
  return slash <= 2 ? path.slice(0, 3) : path.slice(0, slash);
}

export interface HostConnection {
  readonly spec: ConnectionSpec;
  /** The host's data directory (`data_directory`), where hybrid keeps uploads and launchers. */
  readonly dataDirectory: string;
  readonly view: InstanceView;
}

/** The connection to the Windows host of an operation, with its secrets registered for masking. */
export function hostConnection(context: OperationContext, host: InstanceView = findWindowsHost(context.instance)): HostConnection {
  const spec = parseConnection(host.node, host.properties, host.runtimeProperties[FINGERPRINT_PROPERTY]);
  for (let current: ConnectionSpec | undefined = spec; current; current = current.bastion) {
    if (current.auth.method === 'private_key') context.registerSecret(current.auth.privateKey);
    if (current.auth.method !== 'agent' && current.auth.passphrase) context.registerSecret(current.auth.passphrase);
  }
  const data = host.properties.data_directory;
  const dataDirectory = windowsPath(typeof data === 'string' && data !== '' ? data : DEFAULT_DATA_DIRECTORY, `host '${host.node}': property 'data_directory'`);
  if (/[%^&|<>()!'\s]/.test(dataDirectory)) {
    throw new NonRecoverableError(`host '${host.node}': property 'data_directory' must be a path without spaces or any of % ^ & | < > ( ) ! ', got ${JSON.stringify(dataDirectory)}`);
  }
  return { spec, dataDirectory, view: host };
}

/** What a command line printed and how it ended. */
export interface CommandResult {
  /** The exit status as the SSH server reports it: modulo 256 on servers other than Windows'. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One operation's use of a host connection. */
export class WindowsSession {
  constructor(private readonly connection: SshConnection, private readonly context: OperationContext, public readonly dataDirectory: string) {}

  /** The address hybrid connects to. */
  public get address(): string {
    return this.connection.spec.address;
  }

  /** The host key the host presented (and hybrid verified). */
  public get hostKey(): { readonly type: string; readonly fingerprint: string } {
    return this.connection.hostKey;
  }

  /**
   * Runs a command line under the host's `cmd.exe /c`; a dropped connection is retried by the
   * engine. `label` is what the log shows instead of the line, for lines that carry a secret.
   */
  public async run(commandLine: string, label = commandLine): Promise<CommandResult> {
    let stdout = '';
    let stderr = '';
    this.context.log('debug', `$ ${label}`);
    const result = await this.connection.exec(commandLine, { onData: (stream, text) => (stream === 'stdout' ? (stdout += text) : (stderr += text)) });
    if (result.lost) throw new RecoverableError(`the connection to ${this.address} dropped while running a command`);
    return { code: result.code, stdout, stderr };
  }

  public sftp(): Promise<SFTPWrapper> {
    return this.connection.sftp();
  }

  public async stat(path: string): Promise<Stats | undefined> {
    const sftp = await this.sftp();
    return new Promise((resolve, reject) =>
      sftp.stat(sftpPath(path), (error, stats) => (error ? ((error as any).code === 2 ? resolve(undefined) : reject(error)) : resolve(stats))),
    );
  }

  /** Creates a directory and its missing parents. */
  public async mkdirs(path: string): Promise<void> {
    const missing: string[] = [];
    for (let current = path; current.length > 3; current = parentDirectory(current)) {
      const stats = await this.stat(current);
      if (stats) {
        if (!stats.isDirectory()) throw new NonRecoverableError(`${current} exists on ${this.address} and is not a directory`);
        break;
      }
      missing.unshift(current);
    }
    const sftp = await this.sftp();
    for (const directory of missing) {
      await new Promise<void>((resolve, reject) =>
        sftp.mkdir(sftpPath(directory), (error) => (error && !/exist/i.test(error.message) ? reject(error) : resolve())),
      );
    }
  }

  /** Writes a whole file: to a temporary name first, then renamed over the target. */
  public async writeFile(path: string, data: Buffer): Promise<void> {
    await this.mkdirs(parentDirectory(path));
    const sftp = await this.sftp();
    const temporary = `${path}.hybrid-upload`;
    await new Promise<void>((resolve, reject) => sftp.writeFile(sftpPath(temporary), data, (error) => (error ? reject(error) : resolve())));
    await this.removeFile(path);
    await new Promise<void>((resolve, reject) => sftp.rename(sftpPath(temporary), sftpPath(path), (error) => (error ? reject(error) : resolve())));
  }

  /** Uploads a local file (streamed) to `path`, through a temporary name. */
  public async upload(localPath: string, path: string): Promise<void> {
    await this.mkdirs(parentDirectory(path));
    const sftp = await this.sftp();
    const temporary = `${path}.hybrid-upload`;
    await new Promise<void>((resolve, reject) => sftp.fastPut(localPath, sftpPath(temporary), (error) => (error ? reject(error) : resolve())));
    await this.removeFile(path);
    await new Promise<void>((resolve, reject) => sftp.rename(sftpPath(temporary), sftpPath(path), (error) => (error ? reject(error) : resolve())));
  }

  /** The file's bytes, or undefined when it does not exist. */
  public async readFile(path: string): Promise<Buffer | undefined> {
    const sftp = await this.sftp();
    return new Promise((resolve, reject) =>
      sftp.readFile(sftpPath(path), (error: any, data: Buffer) => (error ? (error.code === 2 ? resolve(undefined) : reject(error)) : resolve(data))),
    );
  }

  /** Removes a file; a missing one is fine. */
  public async removeFile(path: string): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) => sftp.unlink(sftpPath(path), (error: any) => (error && error.code !== 2 ? reject(error) : resolve())));
  }

  /** Removes an empty directory; a missing or non-empty one stays as it is. */
  public async removeEmptyDirectory(path: string): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve) => sftp.rmdir(sftpPath(path), () => resolve()));
  }
}

/** Runs `work` with a session on the host of the context's instance. */
export async function withSession<T>(pool: ConnectionPool, context: OperationContext, work: (session: WindowsSession) => Promise<T>, host?: InstanceView): Promise<T> {
  const target = hostConnection(context, host);
  return pool.use(target.spec, { log: (level, message) => context.log(level, message) }, (connection) => work(new WindowsSession(connection, context, target.dataDirectory)), context.baseDirectory);
}
