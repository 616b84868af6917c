import { Construct } from 'constructs';
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkString } from '../../lib/core/validate';

const LOCAL_FILE_BRAND = Symbol.for('hybrid.LocalFile');

/** Props of a LocalFile. */
export interface LocalFileProps {
  /**
   * Where the file goes: an absolute path, or a path relative to the stack directory (where the
   * blueprint is). Changing it replaces the file (the old one is removed).
   */
  readonly path: string | Ref;
  /** The file's content, written as UTF-8. @default '' (an empty file) */
  readonly content?: string | Ref;
  /** Permission bits: a number such as `0o644` or an octal string such as `'0644'`. @default 0o644 */
  readonly mode?: number | string;
}

/**
 * A file on the deploying machine with the given content and mode. Deploy writes it atomically
 * (a reader never sees half a file), `hybrid refresh` reports edits made on disk, and destroy
 * removes it.
 */
export class LocalFile extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.local.File';

  /** True for any LocalFile, even one made by another copy of this library. */
  public static isLocalFile(x: any): x is LocalFile {
    return typeof x === 'object' && x !== null && x[LOCAL_FILE_BRAND] === true;
  }

  constructor(scope: Construct, id: string, props: LocalFileProps) {
    super(scope, id, { type: LocalFile.NODE_TYPE });
    Object.defineProperty(this, LOCAL_FILE_BRAND, { value: true });
    checkString(this, 'path', props.path, { nonEmpty: true });
    if (typeof props.path === 'string' && (props.path.endsWith('/') || props.path.includes('\0'))) {
      throw invalidProps(this, `path must name a file (no trailing '/', no NUL character), got ${describeValue(props.path)}`);
    }
    checkString(this, 'content', props.content, { optional: true });
    this.setProperty('path', props.path);
    if (props.content !== undefined) this.setProperty('content', props.content);
    if (props.mode !== undefined) this.setProperty('mode', this.octalMode(props.mode));
  }

  /** The absolute path of the file, known once it is written. */
  public get absolutePath(): Ref {
    return this.attr('path');
  }

  /** The SHA-256 of the content (hex), known once the file is written. */
  public get sha256(): Ref {
    return this.attr('sha256');
  }

  /** The size in bytes, known once the file is written. */
  public get size(): Ref {
    return this.attr('size');
  }

  /** `0o644` or `'644'` → `'0644'`, the form the node type's `mode` property takes. */
  private octalMode(mode: number | string): string {
    const value = typeof mode === 'number' ? mode : typeof mode === 'string' && /^0?[0-7]{3,4}$/.test(mode) ? parseInt(mode, 8) : NaN;
    if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
      throw invalidProps(this, `mode must be permission bits such as 0o644 or '0644', got ${describeValue(mode)}`);
    }
    // 644 written without 0o is 0o1204 (sticky bit, odd permissions), almost never what was meant.
    if (typeof mode === 'number' && mode > 0o777 && /^[0-7]{3}$/.test(String(mode))) {
      throw invalidProps(this, `mode ${mode} is decimal (octal ${mode.toString(8)}); write 0o${mode} or '0${mode}'`);
    }
    return '0' + value.toString(8).padStart(3, '0');
  }
}
