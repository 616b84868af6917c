/**
 * `hybrid.nodes.ssh.File`: a file (given content, or a local file) or a directory tree (a local
 * directory) uploaded over SFTP to the containing Host. Each file is written next to its target
 * and renamed over it, so a reader never sees half a file; modes are set exactly (no umask).
 * With `sudo`, files are staged in a private directory and moved into place by a root script.
 * Delete removes the files hybrid wrote and the directories it created (when empty).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { HybridError } from '../../core/errors';
import { NonRecoverableError, OperationContext, OperationResult, ReadResult, RecoverableError } from '../../engine/provider';
import { describeHost } from './connection-spec';
import { ConnectionPool, SshConnection } from './connections';
import { runScript } from './remote-run';
import { shQuote } from './quoting';
import {
  SFTP_PERMISSION_DENIED, hashRemoteFile, mkdirParents, mkdirRemote, parentOf, removeEmptyDirectory, removeFile, removeQuietly, renameOver, statRemote, writeRemoteFile,
} from './sftp';
import { withHost } from './session';

/** One file to upload: its path under the target ('' when the target is the file itself). */
interface Entry {
  readonly relative: string;
  readonly data: Buffer;
  readonly mode: number;
}

interface Upload {
  /** The target as the properties give it (absolute, or relative to the login directory). */
  readonly target: string;
  readonly isDirectory: boolean;
  readonly entries: ReadonlyArray<Entry>;
  /** Subdirectories of a directory upload, parents first. */
  readonly subdirectories: ReadonlyArray<string>;
  readonly directoryMode: number;
  readonly owner: string;
  readonly sudo: boolean;
}

const RUNTIME_NAMES = ['path', 'kind', 'files', 'sha256', 'size', 'created_directories'];

function modeOf(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^0?[0-7]{3,4}$/.test(value)) {
    throw new NonRecoverableError(`property '${name}' must be octal permission bits as a string like '0644', got ${JSON.stringify(value)}`);
  }
  return parseInt(value, 8);
}

function stringProperty(context: OperationContext, name: string): string {
  const value = context.instance.properties[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new NonRecoverableError(`property '${name}' must be a string, got ${typeof value}`);
  return value;
}

function formatMode(mode: number): string {
  return '0' + mode.toString(8).padStart(3, '0');
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function walk(root: string, relative: string, entries: Entry[], directories: string[], mode: number | undefined): Promise<void> {
  const listing = await fs.readdir(path.join(root, relative), { withFileTypes: true });
  listing.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const item of listing) {
    const itemRelative = relative === '' ? item.name : `${relative}/${item.name}`;
    const full = path.join(root, itemRelative);
    const stats = await fs.stat(full);
    if (stats.isDirectory()) {
      directories.push(itemRelative);
      await walk(root, itemRelative, entries, directories, mode);
    } else if (stats.isFile()) {
      entries.push({ relative: itemRelative, data: await fs.readFile(full), mode: mode ?? stats.mode & 0o7777 });
    }
  }
}

/** What the properties ask for, with the local source read. */
async function uploadOf(context: OperationContext): Promise<Upload> {
  const target = stringProperty(context, 'path');
  if (target.trim() === '') throw new NonRecoverableError("property 'path' must be a path on the host, got an empty string");
  if (target.includes('\0')) throw new NonRecoverableError("property 'path' contains a NUL character");
  const content = stringProperty(context, 'content');
  const source = stringProperty(context, 'source');
  if (content !== '' && source !== '') throw new NonRecoverableError("properties 'content' and 'source' cannot both be set");
  const mode = modeOf(context.instance.properties.mode, 'mode');
  const directoryMode = modeOf(context.instance.properties.directory_mode, 'directory_mode') ?? 0o755;
  const owner = stringProperty(context, 'owner');
  if (owner !== '' && !/^[A-Za-z0-9_.][A-Za-z0-9_.-]*(:[A-Za-z0-9_.][A-Za-z0-9_.-]*)?$/.test(owner)) {
    throw new NonRecoverableError(`property 'owner' must be 'user' or 'user:group', got ${JSON.stringify(owner)}`);
  }
  const sudo = context.instance.properties.sudo ?? false;
  if (typeof sudo !== 'boolean') throw new NonRecoverableError(`property 'sudo' must be true or false, got ${JSON.stringify(sudo)}`);
  const base = { target: target.replace(/(.)\/+$/, '$1'), directoryMode, owner, sudo };
  if (source === '') return { ...base, isDirectory: false, entries: [{ relative: '', data: Buffer.from(content, 'utf8'), mode: mode ?? 0o644 }], subdirectories: [] };

  const local = path.resolve(context.baseDirectory, source);
  const stats = await fs.stat(local).catch(() => undefined);
  if (!stats) throw new NonRecoverableError(`the source ${local} does not exist on the deploying machine`);
  if (stats.isFile()) return { ...base, isDirectory: false, entries: [{ relative: '', data: await fs.readFile(local), mode: mode ?? stats.mode & 0o7777 }], subdirectories: [] };
  if (!stats.isDirectory()) throw new NonRecoverableError(`the source ${local} is neither a file nor a directory`);
  const entries: Entry[] = [];
  const subdirectories: string[] = [];
  await walk(local, '', entries, subdirectories, mode);
  return { ...base, isDirectory: true, entries, subdirectories };
}

function join(directory: string, relative: string): string {
  return relative === '' ? directory : `${directory.replace(/\/+$/, '')}/${relative}`;
}

async function absolute(connection: SshConnection, target: string): Promise<string> {
  return target.startsWith('/') ? target : join(await connection.homeDirectory(), target);
}

/** A digest of every file's path, mode and content: one value to compare a tree by. */
function treeDigest(entries: ReadonlyArray<{ relative: string; mode: number; sha256: string }>): string {
  return sha256(Buffer.from(JSON.stringify(entries.map((entry) => [entry.relative, entry.mode, entry.sha256]))));
}

/** Directories to create for the upload, outermost first; those that exist are left out. */
async function missingDirectories(sftp: SFTPWrapper, root: string, upload: Upload): Promise<string[]> {
  const wanted = upload.isDirectory ? [root, ...upload.subdirectories.map((sub) => join(root, sub))] : [];
  const missing: string[] = [];
  for (let current = parentOf(root); current !== '/' && current !== '.'; current = parentOf(current)) {
    if (await existsAsDirectory(sftp, current)) break;
    missing.unshift(current);
  }
  for (const directory of wanted) if (!(await existsAsDirectory(sftp, directory))) missing.push(directory);
  return missing;
}

/** True for a directory, or for a path the login user may not look at (sudo will find it). */
async function existsAsDirectory(sftp: SFTPWrapper, directory: string): Promise<boolean> {
  try {
    const stats = await statRemote(sftp, directory);
    if (stats && !stats.isDirectory()) throw new NonRecoverableError(`${directory} exists and is not a directory`);
    return stats !== undefined;
  } catch (error) {
    if ((error as { code?: unknown }).code === SFTP_PERMISSION_DENIED) return true;
    throw error;
  }
}

/** Writes the files as the login user, each through a temp file renamed over the target. */
async function uploadDirect(connection: SshConnection, root: string, upload: Upload): Promise<string[]> {
  const sftp = await connection.sftp();
  const created = upload.isDirectory ? await mkdirParents(sftp, root, upload.directoryMode) : await mkdirParents(sftp, parentOf(root), upload.directoryMode);
  for (const sub of upload.subdirectories) {
    const directory = join(root, sub);
    if (!(await statRemote(sftp, directory))) {
      await mkdirRemote(sftp, directory, upload.directoryMode);
      created.push(directory);
    }
  }
  for (const entry of upload.entries) {
    const file = join(root, entry.relative);
    const temp = `${parentOf(file)}/.hybrid-${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeRemoteFile(sftp, temp, entry.data, entry.mode);
      await renameOver(sftp, temp, file);
    } catch (error) {
      await removeFile(sftp, temp).catch(() => undefined);
      throw error;
    }
  }
  return created;
}

/** Stages the files in a private directory, then a root script puts them in place. */
async function uploadWithSudo(connection: SshConnection, context: OperationContext, root: string, upload: Upload): Promise<string[]> {
  const sftp = await connection.sftp();
  const missing = await missingDirectories(sftp, root, upload);
  const stage = `${connection.spec.tempDirectory}/hybrid-stage-${randomBytes(8).toString('hex')}`;
  await mkdirRemote(sftp, stage, 0o700);
  const staged = upload.entries.map((_, index) => `f${index}`);
  try {
    await Promise.all(upload.entries.map((entry, index) => writeRemoteFile(sftp, `${stage}/${staged[index]}`, entry.data, 0o600)));
    const mode = formatMode(upload.directoryMode);
    const lines = ['set -e', 'umask 077'];
    for (const directory of missing) lines.push(`[ -d ${shQuote(directory)} ] || { mkdir -- ${shQuote(directory)}; chmod ${mode} ${shQuote(directory)}; }`);
    upload.entries.forEach((entry, index) => {
      const file = join(root, entry.relative);
      const temp = `${parentOf(file)}/.hybrid-${randomBytes(6).toString('hex')}.tmp`;
      lines.push(`cp -- ${shQuote(`${stage}/${staged[index]}`)} ${shQuote(temp)}`);
      lines.push(`chmod ${formatMode(entry.mode)} ${shQuote(temp)}`);
      if (upload.owner !== '') lines.push(`chown -- ${shQuote(upload.owner)} ${shQuote(temp)}`);
      lines.push(`mv -f -- ${shQuote(temp)} ${shQuote(file)}`);
    });
    if (upload.owner !== '') for (const directory of missing) lines.push(`chown -- ${shQuote(upload.owner)} ${shQuote(directory)}`);
    await runScript(connection, context, { label: `the upload of ${root}`, script: lines.join('\n') + '\n', args: [], env: {}, cwd: '', sudo: true, secretOutputs: [] });
  } finally {
    await removeQuietly(sftp, stage, staged);
  }
  return missing;
}

/** Hands files and the directories created for them to `owner`, as the login user. */
async function chownDirect(connection: SshConnection, context: OperationContext, owner: string, paths: ReadonlyArray<string>): Promise<void> {
  await runScript(connection, context, { label: `the change of owner to ${owner}`, script: 'chown -- "$OWNER" "$@"\n', args: paths, env: { OWNER: owner }, cwd: '', sudo: false, secretOutputs: [] });
}

/** Removes files from an earlier upload that the new one no longer has. */
async function removeStale(connection: SshConnection, context: OperationContext, root: string, upload: Upload): Promise<void> {
  const previous = context.instance.runtimeProperties.files;
  if (!upload.isDirectory || !Array.isArray(previous) || context.instance.runtimeProperties.path !== root) return;
  const current = new Set(upload.entries.map((entry) => entry.relative));
  const stale = previous.filter((relative): relative is string => typeof relative === 'string' && !current.has(relative)).map((relative) => join(root, relative));
  if (stale.length === 0) return;
  await removePaths(connection, context, upload.sudo, stale, []);
  context.log('info', `removed ${stale.length} file(s) the source no longer has`);
}

async function removePaths(connection: SshConnection, context: OperationContext, sudo: boolean, files: ReadonlyArray<string>, directories: ReadonlyArray<string>): Promise<void> {
  const deepestFirst = [...directories].sort((a, b) => b.length - a.length);
  if (sudo) {
    const script = ['rm -f -- "$@"', ...deepestFirst.map((directory) => `rmdir -- ${shQuote(directory)} 2>/dev/null || true`)].join('\n') + '\n';
    await runScript(connection, context, { label: 'the removal', script, args: files, env: {}, cwd: '', sudo: true, secretOutputs: [] });
    return;
  }
  const sftp = await connection.sftp();
  for (const file of files) await removeFile(sftp, file);
  for (const directory of deepestFirst) await removeEmptyDirectory(sftp, directory);
}

export function fileOperations(pool: ConnectionPool) {
  const apply = async (context: OperationContext): Promise<OperationResult> => {
    const upload = await uploadOf(context);
    return withHost(pool, context, async (connection) => {
      const root = await absolute(connection, upload.target);
      await removeStale(connection, context, root, upload);
      let created: string[];
      try {
        created = upload.sudo ? await uploadWithSudo(connection, context, root, upload) : await uploadDirect(connection, root, upload);
      } catch (error) {
        throw sftpError(error, `cannot upload ${root} to ${describeHost(connection.spec)}`);
      }
      if (upload.owner !== '' && !upload.sudo) await chownDirect(connection, context, upload.owner, [...created, ...upload.entries.map((entry) => join(root, entry.relative))]);
      const hashed = upload.entries.map((entry) => ({ relative: entry.relative, mode: entry.mode, sha256: sha256(entry.data) }));
      const size = upload.entries.reduce((total, entry) => total + entry.data.length, 0);
      const previous = context.instance.runtimeProperties.created_directories;
      const createdDirectories = [...new Set([...(Array.isArray(previous) && context.instance.runtimeProperties.path === root ? previous : []), ...created])];
      context.log('info', upload.isDirectory
        ? `uploaded ${upload.entries.length} file(s), ${size} bytes, to ${root}`
        : `uploaded ${root} (${size} bytes, mode ${formatMode(upload.entries[0].mode)})`);
      return {
        runtimeProperties: {
          path: root,
          kind: upload.isDirectory ? 'directory' : 'file',
          sha256: upload.isDirectory ? treeDigest(hashed) : hashed[0].sha256,
          size,
          ...(upload.isDirectory ? { files: upload.entries.map((entry) => entry.relative) } : {}),
          created_directories: createdDirectories,
        },
      };
    });
  };

  const remove = async (context: OperationContext): Promise<OperationResult> => {
    const runtime = context.instance.runtimeProperties;
    return withHost(pool, context, async (connection) => {
      const root = typeof runtime.path === 'string' && runtime.path !== '' ? runtime.path : await absolute(connection, stringProperty(context, 'path'));
      const files = Array.isArray(runtime.files) ? runtime.files.filter((file): file is string => typeof file === 'string').map((file) => join(root, file)) : [root];
      const directories = Array.isArray(runtime.created_directories) ? runtime.created_directories.filter((directory): directory is string => typeof directory === 'string') : [];
      if (runtime.kind === 'directory' && !directories.includes(root)) directories.push(root);
      const sudo = context.instance.properties.sudo === true;
      try {
        await removePaths(connection, context, sudo, files, directories);
      } catch (error) {
        throw sftpError(error, `cannot remove ${root} from ${describeHost(connection.spec)}`);
      }
      context.log('info', `removed ${root}`);
      return { removeRuntimeProperties: RUNTIME_NAMES };
    });
  };

  /** Compares every file on the host with what the properties (and the local source) say. */
  const read = async (context: OperationContext): Promise<ReadResult> => {
    const upload = await uploadOf(context);
    return withHost(pool, context, async (connection) => {
      const root = await absolute(connection, upload.target);
      const sftp = await connection.sftp();
      const rootStats = await statRemote(sftp, root);
      if (!rootStats) return { exists: false };
      if (upload.isDirectory !== rootStats.isDirectory()) return { exists: true, drift: [`${root} is no longer a ${upload.isDirectory ? 'directory' : 'regular file'}`] };
      const drift: string[] = [];
      for (const entry of upload.entries) {
        const file = join(root, entry.relative);
        const shown = entry.relative === '' ? root : entry.relative;
        const stats = await statRemote(sftp, file).catch(() => undefined);
        if (!stats) {
          drift.push(`${shown} is missing`);
          continue;
        }
        const mode = (stats.mode ?? 0) & 0o7777;
        if (mode !== entry.mode) drift.push(`${shown} has mode ${formatMode(mode)}, expected ${formatMode(entry.mode)}`);
        const found = await hashRemoteFile(sftp, file).catch(() => undefined);
        if (!found) {
          context.log('debug', `${file} cannot be read by user '${connection.spec.user}': its content was not compared`);
        } else if (found.sha256 !== sha256(entry.data)) {
          drift.push(`${shown} content changed on the host (${found.size} bytes, expected ${entry.data.length})`);
        }
      }
      return { exists: true, drift };
    });
  };

  return {
    'hybrid.ssh.file.create': apply,
    'hybrid.ssh.file.update': apply,
    'hybrid.ssh.file.delete': remove,
    'hybrid.ssh.file.read': read,
  };
}

/** SFTP's permission errors cannot be fixed by retrying. */
function sftpError(error: unknown, message: string): Error {
  if (error instanceof RecoverableError || error instanceof NonRecoverableError || HybridError.isHybridError(error)) return error;
  const code = (error as { code?: unknown }).code;
  const text = `${message}: ${(error as Error).message}`;
  return code === SFTP_PERMISSION_DENIED ? new NonRecoverableError(`${text} (the login user may not write there: set sudo)`, { cause: error }) : new Error(text, { cause: error });
}
