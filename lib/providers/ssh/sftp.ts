/**
 * Promise helpers over ssh2's SFTP client. Paths are passed to the server as they are (SFTP
 * takes bytes, no shell ever sees them). Permission bits are set with an explicit chmod after
 * writing, because the server's umask applies to the mode given at open.
 */
import { createHash } from 'node:crypto';
import type { SFTPWrapper, Stats } from 'ssh2';

/** SFTP status codes (draft-ietf-secsh-filexfer-02). */
export const SFTP_NO_SUCH_FILE = 2;
export const SFTP_PERMISSION_DENIED = 3;

export function isNoSuchFile(error: unknown): boolean {
  return (error as { code?: unknown })?.code === SFTP_NO_SUCH_FILE;
}

function call<T>(operation: (callback: (error: Error | undefined | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => operation((error, value) => (error ? reject(error) : resolve(value as T))));
}

/** Creates one directory with exactly `mode`. */
export async function mkdirRemote(sftp: SFTPWrapper, directory: string, mode: number): Promise<void> {
  await call<void>((done) => sftp.mkdir(directory, { mode }, done));
  await call<void>((done) => sftp.chmod(directory, mode, done));
}

/** Creates `directory` and its missing parents; returns the ones it created, outermost first. */
export async function mkdirParents(sftp: SFTPWrapper, directory: string, mode: number): Promise<string[]> {
  const missing: string[] = [];
  for (let current = directory; current !== '' && current !== '/' && current !== '.'; current = parentOf(current)) {
    const stats = await statRemote(sftp, current);
    if (stats) {
      if (!stats.isDirectory()) throw new Error(`${current} exists and is not a directory`);
      break;
    }
    missing.unshift(current);
  }
  for (const created of missing) await mkdirRemote(sftp, created, mode);
  return missing;
}

export function parentOf(remotePath: string): string {
  const trimmed = remotePath.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return slash === -1 ? '.' : slash === 0 ? '/' : trimmed.slice(0, slash);
}

/** Writes a whole file (created or truncated) and sets its mode. */
export async function writeRemoteFile(sftp: SFTPWrapper, file: string, data: string | Buffer, mode: number): Promise<void> {
  const handle = await call<Buffer>((done) => sftp.open(file, 'w', { mode }, done));
  try {
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    // Chunks of 32 KiB: servers limit the size of one write request.
    for (let offset = 0; offset < buffer.length; offset += 32_768) {
      const length = Math.min(32_768, buffer.length - offset);
      await call<void>((done) => sftp.write(handle, buffer, offset, length, offset, done));
    }
    await call<void>((done) => sftp.fchmod(handle, mode, done));
  } finally {
    await call<void>((done) => sftp.close(handle, done));
  }
}

/** The file's stats, or undefined when nothing is there. Does not follow a final symlink. */
export async function statRemote(sftp: SFTPWrapper, file: string): Promise<Stats | undefined> {
  try {
    return await call<Stats>((done) => sftp.lstat(file, done));
  } catch (error) {
    if (isNoSuchFile(error)) return undefined;
    throw error;
  }
}

/** The SHA-256 (hex) and size of a remote file's content. */
export async function hashRemoteFile(sftp: SFTPWrapper, file: string): Promise<{ sha256: string; size: number }> {
  const content = await call<Buffer>((done) => sftp.readFile(file, done));
  return { sha256: createHash('sha256').update(content).digest('hex'), size: content.length };
}

/** Moves `from` over `to`, replacing it atomically where the server can (OpenSSH's posix-rename). */
export async function renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await call<void>((done) => sftp.ext_openssh_rename(from, to, done));
  } catch (error) {
    if (!/not supported/i.test((error as Error).message)) throw error;
    await removeFile(sftp, to);
    await call<void>((done) => sftp.rename(from, to, done));
  }
}

/** Removes a file; a missing one is fine. */
export async function removeFile(sftp: SFTPWrapper, file: string): Promise<void> {
  try {
    await call<void>((done) => sftp.unlink(file, done));
  } catch (error) {
    if (!isNoSuchFile(error)) throw error;
  }
}

/** Removes an empty directory; a missing or non-empty one is left as it is. Returns true when removed. */
export async function removeEmptyDirectory(sftp: SFTPWrapper, directory: string): Promise<boolean> {
  try {
    await call<void>((done) => sftp.rmdir(directory, done));
    return true;
  } catch {
    return false;
  }
}

/** Best effort: removes the named files of a directory, then the directory. */
export async function removeQuietly(sftp: SFTPWrapper, directory: string, files: ReadonlyArray<string>): Promise<void> {
  await Promise.allSettled(files.map((file) => removeFile(sftp, `${directory}/${file}`)));
  await removeEmptyDirectory(sftp, directory);
}
