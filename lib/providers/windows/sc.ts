/**
 * sc.exe's output, as Windows prints it: the status block of `query`/`queryex`/`start`/`stop`,
 * the configuration of `qc`, and failures (`[SC] <Function> FAILED <code>:` and the system
 * message). The error number is read from the text, never from the exit status: Windows OpenSSH
 * passes the full exit code, but Linux-based servers (and the Wine test host) pass it modulo 256.
 */

/** Win32 error codes sc.exe reports, with what they mean for a service hybrid manages. */
export const WIN32_ERRORS: { readonly [code: number]: string } = {
  2: 'The system cannot find the file specified (the service binary is missing).',
  3: 'The system cannot find the path specified.',
  5: 'Access is denied (the login user must be an administrator to manage services).',
  87: 'The parameter is incorrect.',
  1051: 'A stop control has been sent to a service that other running services are dependent on.',
  1052: 'The requested control is not valid for this service.',
  1053: 'The service did not respond to the start or control request in a timely fashion.',
  1054: 'A thread could not be created for the service.',
  1055: 'The service database is locked.',
  1056: 'An instance of the service is already running.',
  1057: 'The account name is invalid or does not exist, or the password is invalid for the account name specified.',
  1058: 'The service cannot be started, either because it is disabled or because it has no enabled devices associated with it.',
  1059: 'Circular service dependency was specified.',
  1060: 'The specified service does not exist as an installed service.',
  1061: 'The service cannot accept control messages at this time.',
  1062: 'The service has not been started.',
  1063: 'The service process could not connect to the service controller (the binary is not a Windows service).',
  1064: 'An exception occurred in the service when handling the control request.',
  1066: 'The service has returned a service-specific error code.',
  1067: 'The process terminated unexpectedly.',
  1068: 'The dependency service or group failed to start.',
  1069: 'The service did not start due to a logon failure.',
  1070: 'After starting, the service hung in a start-pending state.',
  1072: 'The specified service has been marked for deletion.',
  1073: 'The specified service already exists.',
  1075: 'The dependency service does not exist or has been marked for deletion.',
  1077: 'No attempts to start the service have been made since the last boot.',
  1078: 'The name is already in use as either a service name or a service display name.',
  1639: 'Invalid command line argument (sc.exe printed its usage).',
};

/** The meaning of a Win32 error code, from the table or as sc.exe printed it. */
export function describeWin32Error(code: number, printed?: string): string {
  return WIN32_ERRORS[code] ?? (printed && printed.trim() !== '' ? printed.trim() : 'an unknown Win32 error');
}

/** A failure sc.exe reported: `[SC] OpenService FAILED 1060:` and its message. */
export interface ScFailure {
  /** The Windows function that failed, e.g. `OpenService`, `StartService`. */
  readonly operation: string;
  readonly code: number;
  /** The system message sc.exe printed (in the host's language). */
  readonly message: string;
}

const FAILURE = /\[SC\]\s+(\S+)\s+FAILED\s+(\d+):\s*\r?\n([\s\S]*)/;

/** The first failure in sc.exe output, if any. */
export function parseFailure(output: string): ScFailure | undefined {
  const match = FAILURE.exec(output);
  if (!match) return undefined;
  const message = match[3].split(/\r?\n/).map((line) => line.trim()).find((line) => line !== '') ?? '';
  return { operation: match[1], code: Number(match[2]), message };
}

/** An sc.exe failure as an error whose message names the code and its meaning. */
export class ScError extends Error {
  constructor(public readonly failure: ScFailure, what: string) {
    super(`${what}: sc.exe ${failure.operation} failed with error ${failure.code}: ${describeWin32Error(failure.code, failure.message)}`);
    this.name = 'ScError';
  }

  public get code(): number {
    return this.failure.code;
  }
}

export type ServiceState = 'STOPPED' | 'START_PENDING' | 'STOP_PENDING' | 'RUNNING' | 'CONTINUE_PENDING' | 'PAUSE_PENDING' | 'PAUSED';

const STATES: { readonly [value: number]: ServiceState } = {
  1: 'STOPPED', 2: 'START_PENDING', 3: 'STOP_PENDING', 4: 'RUNNING', 5: 'CONTINUE_PENDING', 6: 'PAUSE_PENDING', 7: 'PAUSED',
};

/** The status block of `sc query`/`queryex` (and of `sc start`/`sc stop`). */
export interface ServiceStatus {
  readonly name: string;
  readonly state: ServiceState;
  readonly win32ExitCode: number;
  readonly serviceExitCode: number;
  /** `queryex` only; 0 when stopped. */
  readonly pid?: number;
}

/** `KEY : value` lines, keys upper-cased and trimmed (Windows pads lines with trailing spaces). */
function fields(output: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toUpperCase();
    if (!/^[A-Z_0-9]+$/.test(key) || found.has(key)) continue;
    found.set(key, line.slice(colon + 1).trim());
  }
  return found;
}

function leadingNumber(text: string | undefined): number | undefined {
  const match = /^(\d+)/.exec(text ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Parses a status block; undefined when the output holds none. */
export function parseStatus(output: string): ServiceStatus | undefined {
  const values = fields(output);
  const stateNumber = leadingNumber(values.get('STATE'));
  const name = values.get('SERVICE_NAME');
  if (stateNumber === undefined || name === undefined) return undefined;
  const pid = leadingNumber(values.get('PID'));
  return {
    name,
    state: STATES[stateNumber] ?? 'STOPPED',
    win32ExitCode: leadingNumber(values.get('WIN32_EXIT_CODE')) ?? 0,
    serviceExitCode: leadingNumber(values.get('SERVICE_EXIT_CODE')) ?? 0,
    ...(pid !== undefined ? { pid } : {}),
  };
}

/**
 * Why a stopped service stopped, from its exit codes: the service-specific code when the service
 * reported one (WIN32_EXIT_CODE 1066), else the Win32 code and its meaning.
 */
export function describeExit(status: ServiceStatus): string {
  if (status.win32ExitCode === 1066) {
    return `exit code ${status.serviceExitCode} (service-specific; WIN32_EXIT_CODE 1066: ${WIN32_ERRORS[1066]})`;
  }
  if (status.win32ExitCode === 0) return 'exit code 0';
  return `exit code ${status.win32ExitCode} (${describeWin32Error(status.win32ExitCode)})`;
}
