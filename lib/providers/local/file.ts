/**
 * `hybrid.nodes.local.File`: a file on the deploying machine with given content and mode.
 * Create and update are the same idempotent operation: make the file what the properties say.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { NonRecoverableError, OperationContext, OperationResult, ReadResult } from '../../engine/provider';
import { writeFileAtomic } from './atomic-write';
import { resolvePath, stringProperty } from './properties';

/** What the properties ask for. */
interface FileSpec {
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

/** What is on disk at the path. */
interface FileOnDisk {
  readonly isFile: boolean;
  readonly mode: number;
  readonly sha256: string;
  readonly size: number;
}

const NOT_RETRYABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG', 'ELOOP']);

function fileSpec(context: OperationContext): FileSpec {
  const target = stringProperty(context, 'path');
  if (target === '') throw new NonRecoverableError("property 'path' must be a file path, got an empty string");
  const modeText = context.instance.properties.mode ?? '0644';
  if (typeof modeText !== 'string' || !/^0?[0-7]{3,4}$/.test(modeText)) {
    throw new NonRecoverableError(`property 'mode' must be octal permission bits as a string like '0644', got ${JSON.stringify(modeText)}`);
  }
  return { path: resolvePath(context, target), content: Buffer.from(stringProperty(context, 'content'), 'utf8'), mode: parseInt(modeText, 8) };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function inspect(target: string): Promise<FileOnDisk | undefined> {
  try {
    const stat = await fs.stat(target);
    if (!stat.isFile()) return { isFile: false, mode: stat.mode & 0o7777, sha256: '', size: stat.size };
    const content = await fs.readFile(target);
    return { isFile: true, mode: stat.mode & 0o7777, sha256: sha256(content), size: content.length };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw classify(error, `cannot read ${target}`);
  }
}

/** Writes the file unless it already has the content and mode asked for. */
async function apply(context: OperationContext): Promise<OperationResult> {
  const spec = fileSpec(context);
  const hash = sha256(spec.content);
  const current = await inspect(spec.path);
  if (current && !current.isFile) throw new NonRecoverableError(`${spec.path} exists and is not a regular file`);
  if (current?.sha256 === hash && current.mode === spec.mode) {
    context.log('debug', `${spec.path} already has the content and mode asked for`);
  } else {
    try {
      await writeFileAtomic(spec.path, spec.content, spec.mode);
    } catch (error) {
      throw classify(error, `cannot write ${spec.path}`);
    }
    context.log('info', `wrote ${spec.path} (${spec.content.length} bytes, mode ${formatMode(spec.mode)})`);
  }
  return { runtimeProperties: { path: spec.path, sha256: hash, size: spec.content.length } };
}

/** Removes the file (the path create recorded, else the property's); a missing file is fine. */
async function remove(context: OperationContext): Promise<OperationResult> {
  const recorded = context.instance.runtimeProperties.path;
  const target = typeof recorded === 'string' && recorded !== '' ? recorded : fileSpec(context).path;
  try {
    await fs.rm(target);
    context.log('info', `removed ${target}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw classify(error, `cannot remove ${target}`);
  }
  return { removeRuntimeProperties: ['path', 'sha256', 'size'] };
}

/** Whether the file exists, and how its content or mode differ from the properties. */
async function read(context: OperationContext): Promise<ReadResult> {
  const spec = fileSpec(context);
  const current = await inspect(spec.path);
  if (!current) return { exists: false };
  if (!current.isFile) return { exists: true, drift: [`${spec.path} is no longer a regular file`] };
  const drift: string[] = [];
  const hash = sha256(spec.content);
  if (current.sha256 !== hash) {
    drift.push(`content changed on disk (sha256 ${current.sha256.slice(0, 12)}…, ${current.size} bytes; expected ${hash.slice(0, 12)}…, ${spec.content.length} bytes)`);
  }
  if (current.mode !== spec.mode) drift.push(`mode is ${formatMode(current.mode)} on disk, expected ${formatMode(spec.mode)}`);
  return { exists: true, drift, runtimeProperties: { path: spec.path, sha256: current.sha256, size: current.size } };
}

function formatMode(mode: number): string {
  return '0' + mode.toString(8).padStart(3, '0');
}

/** Permission and path errors cannot be fixed by retrying; anything else keeps its own class. */
function classify(error: unknown, message: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const text = `${message}: ${(error as Error).message}`;
  return code !== undefined && NOT_RETRYABLE.has(code) ? new NonRecoverableError(text, { cause: error }) : new Error(text, { cause: error });
}

export const fileOperations = {
  'hybrid.local.file.create': apply,
  'hybrid.local.file.update': apply,
  'hybrid.local.file.delete': remove,
  'hybrid.local.file.read': read,
};
