/**
 * The provider contract: how the engine calls the code that changes real systems. A provider
 * registers operation handlers by implementation name (`hybrid.local.file.create`, ...), the
 * name a node type's interface operation carries in the blueprint.
 */

/** A node or relationship peer as an operation sees it. */
export interface InstanceView {
  readonly id: string;
  /** The node template name. */
  readonly node: string;
  readonly type: string;
  /** The node type's ancestry, most derived first (for "is this a Compute?" checks). */
  readonly typeHierarchy: ReadonlyArray<string>;
  /** Properties with every intrinsic function evaluated. */
  readonly properties: { readonly [name: string]: any };
  /** Runtime properties recorded so far (attributes). */
  readonly runtimeProperties: { readonly [name: string]: any };
  /** The instance this one is contained in, if any. */
  readonly host?: InstanceView;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What a provider operation receives. */
export interface OperationContext {
  readonly stack: string;
  /** The directory relative paths in properties are taken from (the program's or blueprint's directory). */
  readonly baseDirectory: string;
  /** A directory private to this stack for provider bookkeeping (logs, pid files). */
  readonly workDirectory: string;
  /** The instance the operation runs on; for relationship operations, the side that runs it. */
  readonly instance: InstanceView;
  /** Set for relationship operations. */
  readonly relationship?: {
    readonly type: string;
    readonly side: 'source' | 'target';
    readonly source: InstanceView;
    readonly target: InstanceView;
    readonly properties: { readonly [name: string]: any };
  };
  readonly operation: {
    /** e.g. `cloudify.interfaces.lifecycle.create`. */
    readonly name: string;
    readonly implementation: string;
    readonly inputs: { readonly [name: string]: any };
    /** 0 on the first attempt. */
    readonly retryNumber: number;
    readonly timeoutMs: number;
  };
  /**
   * A deterministic identity for what this instance creates (`<stack>.<instance id>`): put it in
   * names or tags so that a create interrupted by a crash is found and adopted, not repeated.
   */
  readonly identity: string;
  /** Aborted on Ctrl-C or timeout: stop waiting and return promptly. */
  readonly signal: AbortSignal;
  /** Logs through engine events; registered secrets are masked. */
  log(level: LogLevel, message: string): void;
  /** Progress of a long wait, shown by the CLI. */
  progress(message: string): void;
  /** Marks a value as secret: it is masked in every event, error and plan from now on. */
  registerSecret(value: string): void;
}

/** What an operation returns. */
export interface OperationResult {
  /** Runtime properties to merge into the instance's (attributes other nodes can read). */
  readonly runtimeProperties?: { readonly [name: string]: any };
  /** Names of runtime properties whose values are secret: encrypted in state, masked everywhere. */
  readonly secretRuntimeProperties?: ReadonlyArray<string>;
  /** Runtime properties to remove. */
  readonly removeRuntimeProperties?: ReadonlyArray<string>;
}

/** What a read (check_drift) operation returns: does the resource exist, and how it differs. */
export interface ReadResult extends OperationResult {
  readonly exists: boolean;
  /** Human-readable drift descriptions (`content changed on disk`), empty when in sync. */
  readonly drift?: ReadonlyArray<string>;
}

export type OperationHandler = (context: OperationContext) => Promise<OperationResult | void>;
export type ReadHandler = (context: OperationContext) => Promise<ReadResult>;

export interface Provider {
  /** Short name: `local`, `ssh`, `kubernetes`, `openstack`, `windows`. */
  readonly name: string;
  /** Handlers by implementation name; read handlers are those that `check_drift` names. */
  readonly operations: { readonly [implementation: string]: OperationHandler | ReadHandler };
  /**
   * Per node type (or an ancestor type), the properties whose change cannot be applied by the
   * `update` operation and so replaces the resource. A type with no `update` operation is
   * always replaced.
   */
  readonly replaceOn?: { readonly [nodeType: string]: ReadonlyArray<string> };
  /** At most this many of this provider's operations run at once. @default unlimited */
  readonly concurrency?: number;
  /** Releases connections and other resources at the end of a run. */
  close?(): Promise<void>;
}

/** An error the engine should retry (network blips, 5xx, conflicts that settle). */
export class RecoverableError extends Error {
  public readonly retryAfterMs?: number;
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RecoverableError';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** An error retrying cannot fix (bad credentials, invalid spec): fail the instance now. */
export class NonRecoverableError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NonRecoverableError';
  }
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts: how engine retries and
 * provider polling wait without outliving Ctrl-C or a timeout.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles with the work, or rejects as soon as the signal aborts. The work's own late outcome is
 * still observed, so an operation that fails after an abort is not an unhandled rejection.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason ?? new Error('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Providers by name, and handlers by implementation name. */
export class ProviderRegistry {
  private readonly providers = new Map<string, Provider>();
  private readonly handlers = new Map<string, { provider: Provider; handler: OperationHandler | ReadHandler }>();

  public register(provider: Provider): this {
    if (this.providers.has(provider.name)) throw new Error(`provider '${provider.name}' is registered twice`);
    this.providers.set(provider.name, provider);
    for (const [implementation, handler] of Object.entries(provider.operations)) {
      const existing = this.handlers.get(implementation);
      if (existing) throw new Error(`operation '${implementation}' is registered by both '${existing.provider.name}' and '${provider.name}'`);
      this.handlers.set(implementation, { provider, handler });
    }
    return this;
  }

  public handler(implementation: string): { provider: Provider; handler: OperationHandler | ReadHandler } | undefined {
    return this.handlers.get(implementation);
  }

  public list(): Provider[] {
    return [...this.providers.values()];
  }

  /** Properties that force replacement for a type, looked up along its ancestry. */
  public replaceOn(typeHierarchy: ReadonlyArray<string>): ReadonlyArray<string> | undefined {
    for (const type of typeHierarchy) {
      for (const provider of this.providers.values()) {
        const properties = provider.replaceOn?.[type];
        if (properties) return properties;
      }
    }
    return undefined;
  }

  public async closeAll(): Promise<void> {
    await Promise.allSettled(this.list().map((provider) => provider.close?.()));
  }
}
