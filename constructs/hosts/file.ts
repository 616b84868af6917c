import { createHash } from 'crypto';
import { Construct } from 'constructs';
import * as fs from 'fs';
import * as path from 'path';
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkString } from '../../lib/core/validate';
import { Host } from './host';

const REMOTE_FILE_BRAND = Symbol.for('hybrid.RemoteFile');

/** Props of a RemoteFile. */
export interface RemoteFileProps {
  /** The Host it goes to. */
  readonly host: Host;
  /**
   * Where it goes on the host: an absolute path, or a path relative to the login directory.
   * Changing it replaces the file (the old one is removed).
   */
  readonly path: string | Ref;
  /** The file's content, written as UTF-8. Give `content` or `source`, not both. @default '' (an empty file) */
  readonly content?: string | Ref;
  /**
   * A local file or directory to upload, absolute or relative to the project directory (where
   * hybrid.json is). A directory is uploaded whole, and a change to anything in it is planned as
   * an update. @default - `content` is uploaded
   */
  readonly source?: string;
  /**
   * Permission bits of the files: a number such as `0o640` or an octal string such as `'0640'`.
   * @default - 0o644 for content, the local file's bits for a source
   */
  readonly mode?: number | string;
  /** Permission bits of the directories hybrid creates. @default 0o755 */
  readonly directoryMode?: number | string;
  /** `user` or `user:group` to own the files (needs root: usually with `sudo`). @default - the login user */
  readonly owner?: string;
  /** Write through sudo, for paths the login user cannot write. @default false */
  readonly sudo?: boolean;
}

/**
 * A file, or a directory tree, uploaded over SFTP to a Host with exact modes and an optional
 * owner. Each file is replaced atomically; `hybrid refresh` reports edits made on the host; destroy
 * removes what was uploaded (and the directories created for it, when empty).
 */
export class RemoteFile extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.ssh.File';

  /** True for any RemoteFile, even one made by another copy of this library. */
  public static isRemoteFile(x: any): x is RemoteFile {
    return typeof x === 'object' && x !== null && x[REMOTE_FILE_BRAND] === true;
  }

  constructor(scope: Construct, id: string, props: RemoteFileProps) {
    super(scope, id, { type: RemoteFile.NODE_TYPE });
    Object.defineProperty(this, REMOTE_FILE_BRAND, { value: true });
    if (!Host.isHost(props.host)) throw invalidProps(this, `host must be a Host, got ${describeValue(props.host)}`);
    checkString(this, 'path', props.path, { nonEmpty: true });
    if (typeof props.path === 'string' && props.path.includes('\0')) throw invalidProps(this, `path must not contain a NUL character, got ${describeValue(props.path)}`);
    checkString(this, 'content', props.content, { optional: true });
    if (props.content !== undefined && props.source !== undefined) throw invalidProps(this, 'give content or source, not both');
    if (props.owner !== undefined && (typeof props.owner !== 'string' || !/^[A-Za-z0-9_.][A-Za-z0-9_.-]*(:[A-Za-z0-9_.][A-Za-z0-9_.-]*)?$/.test(props.owner))) {
      throw invalidProps(this, `owner must be 'user' or 'user:group', got ${describeValue(props.owner)}`);
    }
    if (props.sudo !== undefined && typeof props.sudo !== 'boolean') throw invalidProps(this, `sudo must be true or false, got ${describeValue(props.sudo)}`);

    this.containedIn(props.host);
    this.setProperty('path', props.path);
    if (props.content !== undefined) this.setProperty('content', props.content);
    if (props.source !== undefined) {
      checkString(this, 'source', props.source, { nonEmpty: true });
      this.setProperty('source', props.source);
      this.setProperty('source_digest', this.digestOf(props.source));
    }
    if (props.mode !== undefined) this.setProperty('mode', this.octalMode('mode', props.mode));
    if (props.directoryMode !== undefined) this.setProperty('directory_mode', this.octalMode('directoryMode', props.directoryMode));
    if (props.owner !== undefined) this.setProperty('owner', props.owner);
    if (props.sudo !== undefined) this.setProperty('sudo', props.sudo);
  }

  /** The absolute path on the host, known once uploaded. */
  public get absolutePath(): Ref {
    return this.attr('path');
  }

  /** The SHA-256 (hex) of the file, or a digest of every file of a directory, known once uploaded. */
  public get sha256(): Ref {
    return this.attr('sha256');
  }

  /**
   * A digest of the source's paths, modes and contents: it is a property, so a changed source is
   * planned as an update without reading the host.
   */
  private digestOf(source: string): string {
    const local = path.resolve(projectDirectory(), source);
    const hash = createHash('sha256');
    const add = (file: string, relative: string) => {
      const stats = fs.statSync(file);
      if (stats.isDirectory()) {
        for (const name of fs.readdirSync(file).sort()) add(path.join(file, name), relative === '' ? name : `${relative}/${name}`);
      } else if (stats.isFile()) {
        hash.update(`${relative}\0${(stats.mode & 0o7777).toString(8)}\0`).update(fs.readFileSync(file)).update('\0');
      }
    };
    if (!fs.existsSync(local)) throw invalidProps(this, `source ${describeValue(source)} does not exist (looked at ${local}; relative paths are taken from the project directory)`);
    add(local, '');
    return 'sha256:' + hash.digest('hex');
  }

  /** `0o640` or `'640'` → `'0640'`, the form the node type's mode properties take. */
  private octalMode(name: string, mode: number | string): string {
    const value = typeof mode === 'number' ? mode : typeof mode === 'string' && /^0?[0-7]{3,4}$/.test(mode) ? parseInt(mode, 8) : NaN;
    if (!Number.isInteger(value) || value < 0 || value > 0o7777) throw invalidProps(this, `${name} must be permission bits such as 0o640 or '0640', got ${describeValue(mode)}`);
    if (typeof mode === 'number' && mode > 0o777 && /^[0-7]{3}$/.test(String(mode))) {
      throw invalidProps(this, `${name} ${mode} is decimal (octal ${mode.toString(8)}); write 0o${mode} or '0${mode}'`);
    }
    return '0' + value.toString(8).padStart(3, '0');
  }
}

/** The directory holding hybrid.json above the working directory (where the CLI takes relative paths from), else the working directory. */
function projectDirectory(): string {
  for (let directory = process.cwd(); ; directory = path.dirname(directory)) {
    if (fs.existsSync(path.join(directory, 'hybrid.json'))) return directory;
    if (path.dirname(directory) === directory) return process.cwd();
  }
}
