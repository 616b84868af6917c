/**
 * Every failure a user can act on carries a code from this catalogue. The CLI maps codes to exit
 * statuses and prints the fix; docs/error-codes.md is generated from the same table.
 */
export enum ErrorCode {
  InvalidProps = 'InvalidProps',
  DuplicateName = 'DuplicateName',
  CycleDetected = 'CycleDetected',
  RefUsedAsString = 'RefUsedAsString',
  DanglingRef = 'DanglingRef',
  MisplacedRef = 'MisplacedRef',
  InvalidInput = 'InvalidInput',
  UnknownProperty = 'UnknownProperty',
  MissingProperty = 'MissingProperty',
  InvalidBlueprint = 'InvalidBlueprint',
  ProgramFailed = 'ProgramFailed',
  ConfigNotFound = 'ConfigNotFound',
  TypeCheckFailed = 'TypeCheckFailed',
  StateLocked = 'StateLocked',
  StateCorrupt = 'StateCorrupt',
  StateMoved = 'StateMoved',
  SecretMissing = 'SecretMissing',
  ProviderMissing = 'ProviderMissing',
  OperationFailed = 'OperationFailed',
  OperationTimeout = 'OperationTimeout',
  ProviderAuthFailed = 'ProviderAuthFailed',
  HostUnreachable = 'HostUnreachable',
  HostKeyMismatch = 'HostKeyMismatch',
  ConfirmationRequired = 'ConfirmationRequired',
  Interrupted = 'Interrupted',
  DeployFailed = 'DeployFailed',
  UsageError = 'UsageError',
}

export interface ErrorCatalogueEntry {
  /** CLI exit status for this failure. */
  readonly exitCode: number;
  /** What the user does about it. */
  readonly fix: string;
}

export const ERROR_CATALOGUE: Readonly<Record<ErrorCode, ErrorCatalogueEntry>> = {
  InvalidProps: { exitCode: 2, fix: 'Change the construct props named in the message to the expected value.' },
  DuplicateName: { exitCode: 2, fix: 'Give one of the two constructs another id, or set an explicit name.' },
  CycleDetected: { exitCode: 2, fix: 'Remove one relationship or reference on the printed path.' },
  RefUsedAsString: { exitCode: 2, fix: 'Pass the Ref itself as a property value, or build strings with Fn.concat(...).' },
  DanglingRef: { exitCode: 2, fix: 'Reference a node, input or output that belongs to the same stack.' },
  MisplacedRef: { exitCode: 2, fix: 'Move the reference to a place where Cloudify DSL allows that function.' },
  InvalidInput: { exitCode: 2, fix: 'Give the input a value (or default) of its declared type that meets its constraints.' },
  UnknownProperty: { exitCode: 2, fix: 'Remove the property or use the name the node type declares (see the listed names).' },
  MissingProperty: { exitCode: 2, fix: 'Set the required property on the node template.' },
  InvalidBlueprint: { exitCode: 2, fix: 'Correct the blueprint at the path named in the message (see docs/blueprint-format.md).' },
  ProgramFailed: { exitCode: 2, fix: 'Fix the error thrown by the program at the file:line shown.' },
  ConfigNotFound: { exitCode: 2, fix: 'Run the command in a hybrid project (hybrid.json) or pass --app / --blueprint.' },
  TypeCheckFailed: { exitCode: 2, fix: 'Fix the TypeScript errors listed with file:line, or run without --typecheck.' },
  StateLocked: { exitCode: 3, fix: 'Wait for the other run to finish; if its holder is gone, run `hybrid state unlock`.' },
  StateCorrupt: { exitCode: 3, fix: 'Restore state.json from state.json.bak, or inspect it with `hybrid state show`.' },
  StateMoved: { exitCode: 3, fix: 'The state changed since the plan was saved: run `hybrid diff` again and review the new plan.' },
  SecretMissing: { exitCode: 2, fix: 'Provide the secret with HYBRID_SECRET_<NAME>, --secrets-file, or interactively.' },
  ProviderMissing: { exitCode: 2, fix: 'Use an operation implemented by a hybrid provider (see docs/blueprint-format.md).' },
  OperationFailed: { exitCode: 1, fix: 'Read the operation output above, fix the cause, and run `hybrid deploy` again: it continues where it stopped.' },
  OperationTimeout: { exitCode: 1, fix: 'Raise the timeout (--timeout or the operation\'s timeout) or find why the resource is slow.' },
  ProviderAuthFailed: { exitCode: 1, fix: 'Renew or correct the credentials named in the message.' },
  HostUnreachable: { exitCode: 1, fix: 'Check the host address, port and network path (bastion), then deploy again.' },
  HostKeyMismatch: { exitCode: 1, fix: 'Verify the host\'s key out of band; update known_hosts or the pinned fingerprint.' },
  ConfirmationRequired: { exitCode: 2, fix: 'Re-run with --yes to approve the destructive steps.' },
  Interrupted: { exitCode: 130, fix: 'Run the command again: it resumes from what was recorded.' },
  DeployFailed: { exitCode: 1, fix: 'Fix the root causes listed, then run `hybrid deploy` again: it continues where it stopped.' },
  UsageError: { exitCode: 64, fix: 'See `hybrid --help` for the commands and flags.' },
};

export interface HybridErrorOptions {
  readonly cause?: unknown;
  /** Construct path or blueprint path the error is about. */
  readonly path?: string;
  /** file:line in the user's program, when known. */
  readonly location?: string;
}

const HYBRID_ERROR = Symbol.for('hybrid.HybridError');

export class HybridError extends Error {
  /** True for any HybridError, even one from another copy of this library. */
  public static isHybridError(x: unknown): x is HybridError {
    return typeof x === 'object' && x !== null && (x as any)[HYBRID_ERROR] === true;
  }

  public readonly code: ErrorCode;
  public readonly path?: string;
  public readonly location?: string;

  constructor(code: ErrorCode, message: string, options: HybridErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, HYBRID_ERROR, { value: true });
    this.name = `HybridError[${code}]`;
    this.code = code;
    this.path = options.path;
    this.location = options.location;
  }

  /** The fix for this error's code. */
  public get fix(): string {
    return ERROR_CATALOGUE[this.code].fix;
  }
}
