/**
 * Where the OpenStack credentials come from, read the way the OpenStack CLI (openstacksdk) reads
 * them: a named cloud from `clouds.yaml` merged with `secure.yaml`, or else the `OS_*` variables.
 * Credentials never enter a blueprint or state: properties only name the cloud and region.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { ErrorCode, HybridError } from '../../../core/errors';

export type AuthMethod = 'password' | 'application_credential' | 'token';

/** Everything needed to authenticate and pick endpoints. */
export interface CloudConfig {
  /** The cloud's name in clouds.yaml, or `envvars` when it comes from OS_* variables. */
  readonly name: string;
  readonly authUrl: string;
  readonly authMethod: AuthMethod;
  readonly username?: string;
  readonly userId?: string;
  readonly password?: string;
  readonly userDomainName?: string;
  readonly userDomainId?: string;
  readonly projectName?: string;
  readonly projectId?: string;
  readonly projectDomainName?: string;
  readonly projectDomainId?: string;
  readonly domainName?: string;
  readonly domainId?: string;
  readonly applicationCredentialId?: string;
  readonly applicationCredentialName?: string;
  readonly applicationCredentialSecret?: string;
  readonly token?: string;
  readonly regionName?: string;
  /** public (default), internal or admin. */
  readonly interface: string;
  /** PEM CA bundle path for TLS. */
  readonly caCert?: string;
  /** Skip TLS verification (`verify: false`, OS_INSECURE). */
  readonly insecure: boolean;
}

export interface LoadOptions {
  /** The cloud name (the node's `cloud` property); empty means OS_CLOUD, then the OS_* variables. */
  readonly cloud?: string;
  /** A region that overrides the cloud's. */
  readonly region?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** The directory `./clouds.yaml` is looked up in. @default process.cwd() */
  readonly cwd?: string;
}

/** The values that are secret in a config: register them so they are masked everywhere. */
export function secretsOf(config: CloudConfig): string[] {
  return [config.password, config.applicationCredentialSecret, config.token].filter((value): value is string => typeof value === 'string' && value.length > 0);
}

function candidates(env: NodeJS.ProcessEnv, cwd: string, variable: string, file: string): string[] {
  if (env[variable]) return [env[variable]!];
  const home = env.HOME ?? os.homedir();
  return [path.join(cwd, file), path.join(home, '.config', 'openstack', file), path.join('/etc', 'openstack', file)];
}

function readYaml(file: string): any {
  try {
    return yaml.load(fs.readFileSync(file, 'utf8')) ?? {};
  } catch (error) {
    throw new HybridError(ErrorCode.ProviderAuthFailed, `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function deepMerge(base: any, extra: any): any {
  if (!extra || typeof extra !== 'object' || Array.isArray(extra)) return extra ?? base;
  const result: any = { ...(base && typeof base === 'object' ? base : {}) };
  for (const [key, value] of Object.entries(extra)) result[key] = deepMerge(result[key], value);
  return result;
}

function bool(value: unknown): boolean {
  return value === true || (typeof value === 'string' && ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()));
}

/** Loads the config for one cloud; fails naming the files looked at and what is missing. */
export function loadCloudConfig(options: LoadOptions = {}): CloudConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const cloudName = options.cloud || env.OS_CLOUD || '';
  const config = cloudName ? fromCloudsYaml(cloudName, env, cwd) : fromEnvironment(env);
  const region = options.region || config.regionName;
  const result = { ...config, ...(region ? { regionName: region } : {}) };
  checkComplete(result);
  return result;
}

function fromCloudsYaml(cloudName: string, env: NodeJS.ProcessEnv, cwd: string): CloudConfig {
  const cloudFiles = candidates(env, cwd, 'OS_CLIENT_CONFIG_FILE', 'clouds.yaml');
  const cloudsFile = cloudFiles.find((file) => fs.existsSync(file));
  if (!cloudsFile) {
    throw new HybridError(ErrorCode.ProviderAuthFailed, `cloud '${cloudName}' is asked for, but no clouds.yaml exists (looked in ${cloudFiles.join(', ')})`);
  }
  let cloud = readYaml(cloudsFile)?.clouds?.[cloudName];
  if (!cloud) throw new HybridError(ErrorCode.ProviderAuthFailed, `cloud '${cloudName}' is not in ${cloudsFile}`);
  const secureFile = candidates(env, cwd, 'OS_CLIENT_SECURE_FILE', 'secure.yaml').find((file) => fs.existsSync(file));
  if (secureFile) cloud = deepMerge(cloud, readYaml(secureFile)?.clouds?.[cloudName] ?? {});
  const auth = cloud.auth ?? {};
  const authType = String(cloud.auth_type ?? (auth.application_credential_secret ? 'v3applicationcredential' : 'password'));
  const regionName = cloud.region_name ?? (Array.isArray(cloud.regions) ? (typeof cloud.regions[0] === 'string' ? cloud.regions[0] : cloud.regions[0]?.name) : undefined) ?? env.OS_REGION_NAME;
  return clean({
    name: cloudName,
    authUrl: auth.auth_url,
    authMethod: authMethod(authType, `${cloudsFile} (cloud '${cloudName}')`),
    username: auth.username,
    userId: auth.user_id,
    password: auth.password,
    userDomainName: auth.user_domain_name ?? auth.domain_name,
    userDomainId: auth.user_domain_id ?? auth.domain_id,
    projectName: auth.project_name ?? auth.tenant_name,
    projectId: auth.project_id ?? auth.tenant_id,
    projectDomainName: auth.project_domain_name ?? auth.domain_name,
    projectDomainId: auth.project_domain_id ?? auth.domain_id,
    domainName: auth.project_name || auth.project_id ? undefined : auth.domain_name,
    domainId: auth.project_name || auth.project_id ? undefined : auth.domain_id,
    applicationCredentialId: auth.application_credential_id,
    applicationCredentialName: auth.application_credential_name,
    applicationCredentialSecret: auth.application_credential_secret,
    token: auth.token,
    regionName,
    interface: cloud.interface ?? cloud.endpoint_type ?? env.OS_INTERFACE ?? 'public',
    caCert: cloud.cacert ?? env.OS_CACERT,
    insecure: cloud.verify === false || bool(cloud.insecure) || bool(env.OS_INSECURE),
  });
}

function fromEnvironment(env: NodeJS.ProcessEnv): CloudConfig {
  if (!env.OS_AUTH_URL) {
    throw new HybridError(
      ErrorCode.ProviderAuthFailed,
      'no OpenStack cloud is configured: set the node\'s cloud property or OS_CLOUD (a clouds.yaml entry), or the OS_* variables (OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, ...)',
    );
  }
  const authType = env.OS_AUTH_TYPE ?? (env.OS_APPLICATION_CREDENTIAL_SECRET ? 'v3applicationcredential' : 'password');
  return clean({
    name: 'envvars',
    authUrl: env.OS_AUTH_URL,
    authMethod: authMethod(authType, 'OS_AUTH_TYPE'),
    username: env.OS_USERNAME,
    userId: env.OS_USER_ID,
    password: env.OS_PASSWORD,
    userDomainName: env.OS_USER_DOMAIN_NAME ?? env.OS_DOMAIN_NAME,
    userDomainId: env.OS_USER_DOMAIN_ID ?? env.OS_DOMAIN_ID,
    projectName: env.OS_PROJECT_NAME ?? env.OS_TENANT_NAME,
    projectId: env.OS_PROJECT_ID ?? env.OS_TENANT_ID,
    projectDomainName: env.OS_PROJECT_DOMAIN_NAME ?? env.OS_DOMAIN_NAME,
    projectDomainId: env.OS_PROJECT_DOMAIN_ID ?? env.OS_DOMAIN_ID,
    applicationCredentialId: env.OS_APPLICATION_CREDENTIAL_ID,
    applicationCredentialName: env.OS_APPLICATION_CREDENTIAL_NAME,
    applicationCredentialSecret: env.OS_APPLICATION_CREDENTIAL_SECRET,
    token: env.OS_TOKEN,
    regionName: env.OS_REGION_NAME,
    interface: env.OS_INTERFACE ?? env.OS_ENDPOINT_TYPE ?? 'public',
    caCert: env.OS_CACERT,
    insecure: bool(env.OS_INSECURE),
  });
}

function authMethod(authType: string, where: string): AuthMethod {
  switch (authType.replace(/^v3/, '').replace(/[-_]/g, '')) {
    case 'password':
      return 'password';
    case 'applicationcredential':
      return 'application_credential';
    case 'token':
      return 'token';
    default:
      throw new HybridError(ErrorCode.ProviderAuthFailed, `${where}: auth type '${authType}' is not supported; use password, v3applicationcredential or token`);
  }
}

/** `'internalURL'` → `'internal'`, and no undefined keys. */
function clean(config: CloudConfig): CloudConfig {
  const result: any = { ...config, interface: String(config.interface).replace(/URL$/, '') };
  for (const key of Object.keys(result)) if (result[key] === undefined || result[key] === '') delete result[key];
  return result;
}

function checkComplete(config: CloudConfig): void {
  const missing: string[] = [];
  if (!config.authUrl) missing.push('auth_url');
  if (config.authMethod === 'password') {
    if (!config.username && !config.userId) missing.push('username');
    if (!config.password) missing.push('password');
  } else if (config.authMethod === 'application_credential') {
    if (!config.applicationCredentialSecret) missing.push('application_credential_secret');
    if (!config.applicationCredentialId && !config.applicationCredentialName) missing.push('application_credential_id');
  } else if (!config.token) missing.push('token');
  if (missing.length) {
    throw new HybridError(ErrorCode.ProviderAuthFailed, `OpenStack cloud '${config.name}' lacks ${missing.join(', ')} (clouds.yaml/secure.yaml auth section, or OS_* variables)`);
  }
}
