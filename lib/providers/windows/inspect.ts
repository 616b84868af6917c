/**
 * What a service looks like on the host, and how that differs from its spec. One session reads
 * the status (`sc queryex`) and exports the service's registry key (`reg export`, read back
 * over SFTP as UTF-16, so names and values compare exactly whatever their characters).
 *
 * Some settings cannot be read back everywhere: Wine's service control manager keeps neither
 * the delayed auto-start flag nor the failure actions. A setting the host does not report is
 * compared with what hybrid applied last (a digest in the runtime properties) instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import { NonRecoverableError } from '../../engine/provider';
import { commandLine, raw } from './quoting';
import { RegistryValue, decodeRegFile, dwordValue, multiStringValue, parseFailureActions, parseRegExport, serviceKey, stringValue } from './registry';
import { ScError, ServiceStatus, parseFailure, parseStatus } from './sc';
import { RECOVERY_ACTION_VALUES, START_VALUES, ServiceSpec } from './service-spec';
import { WindowsSession } from './session';
import { runSteps } from './steps';

/** The registry value naming the stack instance that owns a service (`<stack>.<instance id>`). */
export const IDENTITY_VALUE = 'HybridIdentity';
/** The registry value holding the SHA-256 of the binary hybrid uploaded. */
export const BINARY_DIGEST_VALUE = 'HybridBinarySha256';

export interface Inspection {
  readonly exists: boolean;
  readonly status?: ServiceStatus;
  /** The service key's values (names lower-cased); empty when the service does not exist. */
  readonly values: Map<string, RegistryValue>;
  /** The launcher on the host, when the spec uses one. */
  readonly launcher?: string;
}

/** Reads the service's status and registry key (and launcher). */
export async function inspect(session: WindowsSession, spec: ServiceSpec): Promise<Inspection> {
  await session.mkdirs(spec.directory);
  const exportFile = `${spec.directory}\\export-${randomBytes(6).toString('hex')}.reg`;
  const { results } = await runSteps(
    session,
    [
      { line: commandLine('sc.exe', [raw('queryex'), spec.name]) },
      { line: commandLine('reg.exe', [raw('export'), serviceKey(spec.name), exportFile, raw('/y')]) },
    ],
    { stopOnFailure: false },
  );
  const queried = results[0].stdout;
  const failure = parseFailure(queried);
  if (failure && failure.code === 1060) {
    await session.removeFile(exportFile);
    return { exists: false, values: new Map() };
  }
  if (failure) throw new ScError(failure, `cannot query the service '${spec.name}'`);
  const status = parseStatus(queried);
  if (!status) throw new Error(`cannot read the status of the service '${spec.name}' from sc.exe's output:\n${queried.trim()}`);
  const exported = await session.readFile(exportFile);
  await session.removeFile(exportFile);
  if (!exported) throw new Error(`cannot export the registry key of the service '${spec.name}': ${results[1].stdout.trim() || 'reg.exe wrote no file'}`);
  const values = parseRegExport(decodeRegFile(exported), serviceKey(spec.name));
  const launcher = spec.launcher ? (await session.readFile(spec.launcher.path))?.toString('latin1') : undefined;
  return { exists: true, status, values, ...(launcher !== undefined ? { launcher } : {}) };
}

/**
 * Whose service this is: `ours` (it carries our identity), `unclaimed` (no identity, but the
 * command line we would give it: a create of ours that stopped before it was finished), or
 * `foreign` (anything else, which hybrid never touches).
 */
export function ownership(spec: ServiceSpec, inspection: Inspection, identity: string): 'ours' | 'unclaimed' | 'foreign' {
  const owner = stringValue(inspection.values, IDENTITY_VALUE);
  if (owner === identity) return 'ours';
  if (owner === undefined && stringValue(inspection.values, 'ImagePath') === spec.imagePath) return 'unclaimed';
  return 'foreign';
}

export function foreignServiceError(spec: ServiceSpec, inspection: Inspection, identity: string): NonRecoverableError {
  const owner = stringValue(inspection.values, IDENTITY_VALUE);
  return new NonRecoverableError(
    `a service named '${spec.name}' already exists on the host and is not this one (${owner ? `it belongs to ${owner}` : `its command line is ${JSON.stringify(stringValue(inspection.values, 'ImagePath') ?? '')}`}; this is ${identity}). ` +
      'hybrid does not take over services it did not create: choose another name, or remove that service (sc.exe delete) if it is not needed',
  );
}

/** One setting that differs from the spec. */
export interface Difference {
  readonly setting: 'binary' | 'image_path' | 'launcher' | 'display_name' | 'start_type' | 'account' | 'dependencies' | 'description' | 'recovery' | 'environment' | 'identity';
  /** For drift reports and logs: what differs, never a secret. */
  readonly description: string;
  /** True when the running process must restart to see the change. */
  readonly restart: boolean;
}

/** What hybrid applied last, for settings hosts may not report (runtime properties). */
export interface Applied {
  readonly accountDigest?: string;
  readonly recoveryDigest?: string;
  readonly startType?: string;
}

export function environmentEntries(environment: { readonly [name: string]: string }): string[] {
  return Object.entries(environment)
    .sort(([a], [b]) => (a.toUpperCase() < b.toUpperCase() ? -1 : a.toUpperCase() > b.toUpperCase() ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`);
}

export function recoveryDigest(spec: ServiceSpec): string {
  return createHash('sha256').update(JSON.stringify(spec.recovery ?? null)).digest('hex');
}

function sameNames(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  return a.length === b.length && a.every((item, index) => item.toLowerCase() === b[index].toLowerCase());
}

function shown(value: string | undefined): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

/**
 * The settings of an existing service that differ from the spec. `localDigest` is the SHA-256 of
 * the local binary, when the spec uploads one.
 */
export function differences(spec: ServiceSpec, inspection: Inspection, identity: string, applied: Applied, localDigest?: string): Difference[] {
  const found: Difference[] = [];
  const values = inspection.values;
  if (localDigest !== undefined && stringValue(values, BINARY_DIGEST_VALUE) !== localDigest) {
    found.push({ setting: 'binary', description: `binary ${spec.binaryPath} is not the uploaded file (sha256 ${localDigest.slice(0, 12)}…)`, restart: true });
  }
  const imagePath = stringValue(values, 'ImagePath');
  if (imagePath !== spec.imagePath) found.push({ setting: 'image_path', description: `command line is ${shown(imagePath)}, expected ${JSON.stringify(spec.imagePath)}`, restart: true });
  if (spec.launcher && inspection.launcher !== spec.launcher.content) {
    found.push({ setting: 'launcher', description: `launcher ${spec.launcher.path} ${inspection.launcher === undefined ? 'is missing' : 'has other content'}`, restart: true });
  }
  const displayName = stringValue(values, 'DisplayName') ?? spec.name;
  if (displayName !== spec.displayName) found.push({ setting: 'display_name', description: `display name is ${shown(displayName)}, expected ${JSON.stringify(spec.displayName)}`, restart: false });
  const start = dwordValue(values, 'Start');
  const delayed = dwordValue(values, 'DelayedAutostart');
  const expectedStart = START_VALUES[spec.startType].value;
  // Hosts that do not keep the delayed flag (Wine) are taken to hold what hybrid applied last.
  const hostDelayed = delayed === undefined ? applied.startType === 'delayed-auto' : delayed === 1;
  if (start !== expectedStart || (expectedStart === 2 && hostDelayed !== (spec.startType === 'delayed-auto'))) {
    const current = start === 2 ? (hostDelayed ? 'delayed-auto' : 'auto') : start === 3 ? 'manual' : start === 4 ? 'disabled' : String(start ?? '(none)');
    found.push({ setting: 'start_type', description: `start type is ${current}, expected ${spec.startType}`, restart: false });
  }
  const account = stringValue(values, 'ObjectName') ?? 'LocalSystem';
  const expectedAccount = spec.account === '' ? 'LocalSystem' : spec.account;
  if (account.toLowerCase() !== expectedAccount.toLowerCase() || (applied.accountDigest !== undefined && applied.accountDigest !== spec.accountDigest)) {
    found.push({ setting: 'account', description: account.toLowerCase() !== expectedAccount.toLowerCase() ? `runs as ${JSON.stringify(account)}, expected ${JSON.stringify(expectedAccount)}` : 'account password changed', restart: true });
  }
  const dependencies = multiStringValue(values, 'DependOnService') ?? [];
  if (!sameNames(dependencies, spec.dependencies)) {
    found.push({ setting: 'dependencies', description: `depends on [${dependencies.join(', ')}], expected [${spec.dependencies.join(', ')}]`, restart: false });
  }
  const description = stringValue(values, 'Description') ?? '';
  if (description !== spec.description) found.push({ setting: 'description', description: `description is ${JSON.stringify(description)}, expected ${JSON.stringify(spec.description)}`, restart: false });
  const stored = parseFailureActions(values);
  const recoveryDiffers = stored
    ? !sameRecovery(stored, spec)
    : applied.recoveryDigest !== undefined
      ? applied.recoveryDigest !== recoveryDigest(spec)
      : spec.recovery !== undefined;
  if (recoveryDiffers) found.push({ setting: 'recovery', description: 'recovery actions differ', restart: false });
  const environment = multiStringValue(values, 'Environment') ?? [];
  const expectedEnvironment = environmentEntries(spec.environment);
  if (environment.length !== expectedEnvironment.length || environment.some((entry, index) => entry !== expectedEnvironment[index])) {
    const names = (entries: ReadonlyArray<string>) => entries.map((entry) => entry.slice(0, entry.indexOf('='))).join(', ');
    found.push({ setting: 'environment', description: `environment differs (host has [${names(environment)}], expected [${names(expectedEnvironment)}])`, restart: true });
  }
  if (stringValue(values, IDENTITY_VALUE) !== identity) found.push({ setting: 'identity', description: 'not marked as created by hybrid', restart: false });
  return found;
}

function sameRecovery(stored: NonNullable<ReturnType<typeof parseFailureActions>>, spec: ServiceSpec): boolean {
  const actions = (spec.recovery?.actions ?? []).map((action) => ({ type: RECOVERY_ACTION_VALUES[action.type], delayMs: action.delayMs }));
  if (!spec.recovery) return stored.actions.length === 0;
  return stored.resetPeriodSeconds === spec.recovery.resetPeriodSeconds && stored.actions.length === actions.length && stored.actions.every((action, index) => action.type === actions[index].type && action.delayMs === actions[index].delayMs);
}
