/**
 * The engine tells what happens through typed events; it never prints. The CLI renders them
 * (text or --json); tests assert on them. Every event passes through the run's Redactor first.
 */
import type { Plan } from './plan-types';

export type EngineEvent =
  | { readonly type: 'plan-ready'; readonly plan: Plan }
  | { readonly type: 'step-started'; readonly instance: string; readonly action: string }
  | { readonly type: 'step-finished'; readonly instance: string; readonly action: string; readonly durationMs: number }
  | { readonly type: 'step-failed'; readonly instance: string; readonly action: string; readonly error: string; readonly durationMs: number }
  | { readonly type: 'step-skipped'; readonly instance: string; readonly action: string; readonly because: string }
  | { readonly type: 'operation-started'; readonly instance: string; readonly operation: string }
  | { readonly type: 'operation-finished'; readonly instance: string; readonly operation: string; readonly durationMs: number }
  | { readonly type: 'retry'; readonly instance: string; readonly operation: string; readonly attempt: number; readonly delayMs: number; readonly error: string }
  | { readonly type: 'progress'; readonly instance: string; readonly message: string }
  | { readonly type: 'log'; readonly instance: string; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly message: string }
  | { readonly type: 'drift'; readonly instance: string; readonly exists: boolean; readonly drift: ReadonlyArray<string> }
  | { readonly type: 'recovered'; readonly instance: string; readonly operation: string; readonly outcome: 'adopted' | 'retry' }
  | { readonly type: 'lock-taken-over'; readonly previousHolder: string }
  | { readonly type: 'run-finished'; readonly succeeded: number; readonly failed: number; readonly skipped: number; readonly durationMs: number };

export type EventListener = (event: EngineEvent) => void;

const MASK = '***';

/**
 * Masks every registered secret value wherever it appears in text or structured data. Values
 * shorter than 4 characters are not registered: masking them would garble ordinary output.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  public add(value: unknown): void {
    if (typeof value !== 'string' || value.length < 4 || this.secrets.has(value)) return;
    this.secrets.add(value);
    // Also mask the forms a secret takes when embedded in JSON or base64.
    const json = JSON.stringify(value).slice(1, -1);
    if (json !== value) this.secrets.add(json);
    this.secrets.add(Buffer.from(value).toString('base64'));
    this.pattern = undefined;
  }

  public get size(): number {
    return this.secrets.size;
  }

  public text(text: string): string {
    if (this.secrets.size === 0) return text;
    this.pattern ??= new RegExp([...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
    return text.replace(this.pattern, MASK);
  }

  /** A deep copy of a value with every secret masked. */
  public value<T>(value: T): T {
    if (this.secrets.size === 0) return value;
    if (typeof value === 'string') return this.text(value) as any;
    if (Array.isArray(value)) return value.map((item) => this.value(item)) as any;
    if (value !== null && typeof value === 'object') {
      const result: any = {};
      for (const [key, item] of Object.entries(value)) result[key] = this.value(item);
      return result;
    }
    return value;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Fans events out to listeners after masking secrets. */
export class EventBus {
  private readonly listeners: EventListener[] = [];

  constructor(public readonly redactor: Redactor = new Redactor()) {}

  public on(listener: EventListener): void {
    this.listeners.push(listener);
  }

  public emit(event: EngineEvent): void {
    if (this.listeners.length === 0) return;
    const safe = this.redactor.value(event);
    for (const listener of this.listeners) listener(safe);
  }
}
