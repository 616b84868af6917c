/**
 * A `hybrid.nodes.windows.Service`'s resolved properties, checked and turned into what the host
 * should hold: the ImagePath, the sc.exe options, the registry values and the launcher. Hand-
 * written blueprints reach this code unchecked, so every property is validated here with a
 * message naming it.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { NonRecoverableError, OperationContext } from '../../engine/provider';
import { UnquotableError, batchRunLine, batchSetLine, checkCommandLineValue, serviceCommandLine } from './quoting';
import { windowsPath } from './session';

export type StartType = 'auto' | 'delayed-auto' | 'manual' | 'disabled';
export type EnvironmentDelivery = 'registry' | 'launcher';
export type RecoveryActionType = 'restart' | 'run' | 'reboot' | 'none';

export const START_TYPES: ReadonlyArray<StartType> = ['auto', 'delayed-auto', 'manual', 'disabled'];
/** The `Start` registry value (and `sc config start=` word) of each start type. */
export const START_VALUES: { readonly [type in StartType]: { readonly value: number; readonly sc: string } } = {
  'auto': { value: 2, sc: 'auto' },
  'delayed-auto': { value: 2, sc: 'delayed-auto' },
  'manual': { value: 3, sc: 'demand' },
  'disabled': { value: 4, sc: 'disabled' },
};
/** SC_ACTION_TYPE values. */
export const RECOVERY_ACTION_VALUES: { readonly [type in RecoveryActionType]: number } = { none: 0, restart: 1, reboot: 2, run: 3 };

export interface RecoverySpec {
  readonly resetPeriodSeconds: number;
  readonly actions: ReadonlyArray<{ readonly type: RecoveryActionType; readonly delayMs: number }>;
  readonly command: string;
}

export interface ServiceSpec {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  /** Where the executable is on the host. */
  readonly binaryPath: string;
  /** The local file to upload there, and its digest. */
  readonly source?: { readonly localPath: string; readonly digest: string };
  readonly arguments: ReadonlyArray<string>;
  readonly environment: { readonly [name: string]: string };
  readonly delivery: EnvironmentDelivery;
  readonly startType: StartType;
  /** '' means LocalSystem. */
  readonly account: string;
  readonly password: string;
  readonly dependencies: ReadonlyArray<string>;
  readonly recovery?: RecoverySpec;
  readonly startupTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly healthPort?: number;
  /** `<data_directory>\services\<name>`: hybrid's folder for this service on the host. */
  readonly directory: string;
  /** The launcher batch file, with launcher delivery. */
  readonly launcher?: { readonly path: string; readonly content: string };
  /** The command line the service control manager stores (ImagePath). */
  readonly imagePath: string;
  /** A digest of account and password: tells whether the credentials changed without storing the password. */
  readonly accountDigest: string;
}

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(message: string): NonRecoverableError {
  return new NonRecoverableError(message);
}

function stringProperty(properties: { readonly [name: string]: any }, name: string, fallback = ''): string {
  const value = properties[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw fail(`property '${name}' must be a string, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  return value;
}

function integerProperty(properties: { readonly [name: string]: any }, name: string, fallback: number, min: number, max: number): number {
  const value = properties[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fail(`property '${name}' must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function commandLineSafe<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof UnquotableError) throw fail(error.message);
    throw error;
  }
}

/** `Fn`-resolved values may be numbers or booleans; environment values and arguments become strings. */
function text(value: unknown): string {
  return value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function recoverySpec(value: unknown): RecoverySpec | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw fail(`property 'recovery' must be a dict ({ reset_period, actions, command }), got ${Array.isArray(value) ? 'a list' : typeof value}`);
  const recovery = value as { [key: string]: any };
  if (Object.keys(recovery).length === 0) return undefined;
  const resetPeriod = recovery.reset_period ?? 86400;
  if (typeof resetPeriod !== 'number' || !Number.isInteger(resetPeriod) || resetPeriod < 0) {
    throw fail(`property 'recovery.reset_period' must be a whole number of seconds >= 0, got ${JSON.stringify(resetPeriod)}`);
  }
  const actionsValue = recovery.actions ?? [];
  if (!Array.isArray(actionsValue) || actionsValue.length === 0 || actionsValue.length > 3) {
    throw fail(`property 'recovery.actions' must be a list of 1 to 3 actions (first, second and later failures), got ${JSON.stringify(actionsValue)}`);
  }
  const actions = actionsValue.map((action: any, index: number) => {
    const type = action?.action;
    if (!['restart', 'run', 'reboot', 'none'].includes(type)) {
      throw fail(`property 'recovery.actions[${index}].action' must be restart, run, reboot or none, got ${JSON.stringify(type)}`);
    }
    const delay = action.delay ?? 0;
    if (typeof delay !== 'number' || !(delay >= 0) || delay > 86400 * 24) {
      throw fail(`property 'recovery.actions[${index}].delay' must be a number of seconds >= 0, got ${JSON.stringify(delay)}`);
    }
    return { type: type as RecoveryActionType, delayMs: Math.round(delay * 1000) };
  });
  const command = recovery.command ?? '';
  if (typeof command !== 'string') throw fail(`property 'recovery.command' must be a string, got ${typeof command}`);
  if (actions.some((action) => action.type === 'run') && command.trim() === '') {
    throw fail(`property 'recovery.command' must name the command a 'run' recovery action runs`);
  }
  commandLineSafe(() => checkCommandLineValue(command, "property 'recovery.command'"));
  return { resetPeriodSeconds: resetPeriod, actions, command };
}

/**
 * `binary_path` without an upload: an absolute Windows path, or one starting with a variable the
 * service control manager expands (`%SystemRoot%\System32\svchost.exe`).
 */
function binaryPathProperty(value: string): string {
  const normalized = value.replace(/\//g, '\\');
  if (/^%[A-Za-z_][A-Za-z0-9_()]*%\\/.test(normalized) && !/[\0\r\n"<>|?*]/.test(normalized)) return normalized;
  return windowsPath(value, "property 'binary_path'");
}

/** Reads and checks a Service's properties; `dataDirectory` is the host's. */
export function serviceSpec(context: OperationContext, dataDirectory: string): ServiceSpec {
  const properties = context.instance.properties;
  const name = stringProperty(properties, 'name');
  if (!SERVICE_NAME.test(name)) {
    throw fail(`property 'name' must be 1 to 80 letters, digits, '_', '.' and '-' (starting with a letter or digit), got ${JSON.stringify(name)}`);
  }
  const displayName = stringProperty(properties, 'display_name') || name;
  const description = stringProperty(properties, 'description');
  commandLineSafe(() => {
    checkCommandLineValue(displayName, "property 'display_name'");
    checkCommandLineValue(description, "property 'description'");
  });
  const directory = `${dataDirectory}\\services\\${name}`;

  const sourceValue = stringProperty(properties, 'binary_source');
  const pathValue = stringProperty(properties, 'binary_path');
  let source: ServiceSpec['source'];
  let binaryPath: string;
  if (sourceValue !== '') {
    const localPath = path.resolve(context.baseDirectory, sourceValue);
    const digest = stringProperty(properties, 'binary_digest');
    source = { localPath, digest };
    binaryPath = pathValue !== '' ? windowsPath(pathValue, "property 'binary_path'") : `${directory}\\${path.basename(localPath).replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  } else if (pathValue !== '') {
    binaryPath = binaryPathProperty(pathValue);
  } else {
    throw fail(`one of the properties 'binary_path' (an executable on the host) and 'binary_source' (a local file to upload) must be set`);
  }

  const argumentsValue = properties.arguments ?? [];
  if (!Array.isArray(argumentsValue)) throw fail(`property 'arguments' must be a list, got ${typeof argumentsValue}`);
  const args = argumentsValue.map(text);

  const environmentValue = properties.environment ?? {};
  if (typeof environmentValue !== 'object' || Array.isArray(environmentValue)) throw fail(`property 'environment' must be a dict of variable names to values`);
  const environment: { [name: string]: string } = {};
  for (const [key, item] of Object.entries(environmentValue)) {
    if (!ENV_NAME.test(key)) throw fail(`environment variable names must be letters, digits and '_' (not starting with a digit), got ${JSON.stringify(key)}`);
    const value = text(item);
    if (value === '') throw fail(`environment variable ${key} must not be empty (Windows has no empty variables; leave it out instead)`);
    if (value.includes('\0')) throw fail(`environment variable ${key} contains a NUL character, which no environment can hold`);
    environment[key] = value;
  }

  const delivery = stringProperty(properties, 'environment_delivery', 'registry') as EnvironmentDelivery;
  if (delivery !== 'registry' && delivery !== 'launcher') throw fail(`property 'environment_delivery' must be registry or launcher, got ${JSON.stringify(delivery)}`);
  const startType = stringProperty(properties, 'start_type', 'auto') as StartType;
  if (!START_TYPES.includes(startType)) throw fail(`property 'start_type' must be one of ${START_TYPES.join(', ')}, got ${JSON.stringify(startType)}`);

  const account = stringProperty(properties, 'account');
  const password = stringProperty(properties, 'password');
  if (password !== '') context.registerSecret(password);
  commandLineSafe(() => {
    checkCommandLineValue(account, "property 'account'");
    checkCommandLineValue(password, "property 'password'");
  });
  if (password !== '' && account === '') throw fail(`property 'password' is set but 'account' is not: LocalSystem has no password`);

  const dependenciesValue = properties.dependencies ?? [];
  if (!Array.isArray(dependenciesValue) || dependenciesValue.some((item) => typeof item !== 'string' || !SERVICE_NAME.test(item))) {
    throw fail(`property 'dependencies' must be a list of service names (letters, digits, '_', '.' and '-'), got ${JSON.stringify(dependenciesValue)}`);
  }

  const healthPort = integerProperty(properties, 'health_port', 0, 0, 65535);
  const recovery = recoverySpec(properties.recovery);

  let launcher: ServiceSpec['launcher'];
  let imagePath: string;
  if (delivery === 'launcher') {
    const launcherPath = `${directory}\\launch.cmd`;
    const content = commandLineSafe(() => [
      '@echo off',
      'rem Written by hybrid: starts the service binary with its environment (environment_delivery: launcher).',
      'setlocal DisableDelayedExpansion',
      ...Object.entries(environment).map(([key, value]) => batchSetLine(key, value)),
      batchRunLine(binaryPath, args),
      '',
    ].join('\r\n'));
    launcher = { path: launcherPath, content };
    imagePath = `%SystemRoot%\\System32\\cmd.exe /d /c ${launcherPath}`;
  } else {
    imagePath = commandLineSafe(() => serviceCommandLine(binaryPath, args));
  }

  return {
    name,
    displayName,
    description,
    binaryPath,
    ...(source ? { source } : {}),
    arguments: args,
    environment,
    delivery,
    startType,
    account,
    password,
    dependencies: dependenciesValue,
    ...(recovery ? { recovery } : {}),
    startupTimeoutMs: integerProperty(properties, 'startup_timeout', 60, 1, 86400) * 1000,
    stopTimeoutMs: integerProperty(properties, 'stop_timeout', 60, 1, 86400) * 1000,
    ...(healthPort > 0 ? { healthPort } : {}),
    directory,
    ...(launcher ? { launcher } : {}),
    imagePath,
    accountDigest: createHash('sha256').update(`${context.identity}\0${account}\0${password}`).digest('hex'),
  };
}
