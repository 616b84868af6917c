/**
 * The real OpenStack test cloud for tests: `startOpenStack()` brings it up once per machine (up.sh
 * under a lock, so parallel jest workers share one cloud; a cloud already up is reused at once)
 * and each test file works in a project of its own (`cloud.project('name')`), so files never see
 * each other's resources or quotas. Without the install, the tests fail saying what to run, as
 * the other test targets' do.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { CloudConfig, loadCloudConfig } from '../../../lib/providers/openstack/client/config';

export const AUTH_URL = 'http://127.0.0.1:5000/v3';
export const PASSWORD = 'secret';
export const EXTERNAL_NETWORK = 'public';
export const IMAGE = 'cirros';
export const FLAVOR = 'm1.nano';
const HERE = __dirname;
const STATE = process.env.HYBRID_OPENSTACK_STATE_DIR ?? '/var/lib/hybrid-test/openstack';
const TEMPLATES = path.join(process.env.HYBRID_OPENSTACK_CACHE_DIR ?? '/var/cache/hybrid-test/openstack', 'templates');

/** Why the cloud cannot run here, or undefined when it can. */
function unavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the OpenStack test cloud runs as root';
  if (!fs.existsSync(path.join(TEMPLATES, 'nova', 'api-paste.ini'))) return 'the OpenStack test cloud is not installed (run `bash test/support/openstack/install.sh` as root)';
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import nova, neutron, keystone, glance, cinder, placement'], { stdio: 'ignore' });
  if (probe.status !== 0) return 'the OpenStack python packages are missing (run `bash test/support/openstack/install.sh` as root)';
  return undefined;
}

export interface TestProject {
  /** The cloud name in `cloudsFile`. */
  readonly cloud: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly userId: string;
  /** A clouds.yaml with this project (`cloud`) and `admin`. */
  readonly cloudsFile: string;
  /** Environment for a CLI run in this project. */
  readonly env: { [name: string]: string };
  readonly config: CloudConfig;
  /** A fresh client in this project. */
  client(options?: ConstructorParameters<typeof OpenStackClient>[1]): OpenStackClient;
}

export interface ProjectOptions {
  /** The user's password. @default 'secret' */
  readonly password?: string;
  /** Authenticate with an application credential with this secret. @default - the password */
  readonly applicationCredentialSecret?: string;
  /** Nova, Neutron and Cinder quotas to set, e.g. `{ instances: 60, port: 200 }`. @default - the cloud's defaults */
  readonly quotas?: { readonly compute?: object; readonly network?: object; readonly volume?: object };
}

export interface TestCloud {
  readonly authUrl: string;
  /** Seconds the bring-up took, or 0 when the cloud was already up. */
  readonly bringUpSeconds: number;
  /** A client as the cloud admin (project admin). */
  admin(): OpenStackClient;
  /**
   * A new project with a member user of its own, and a clouds.yaml naming it. With
   * `applicationCredentialSecret`, the clouds.yaml authenticates with an application credential
   * of that user (whose password is `password`) instead of the password.
   */
  project(label: string, options?: ProjectOptions): Promise<TestProject>;
  /** Removes every project this object made (resources inside are the tests' business). */
  cleanup(): Promise<void>;
}

function adminConfig(): CloudConfig {
  return {
    name: 'admin', authUrl: AUTH_URL, authMethod: 'password', username: 'admin', password: PASSWORD,
    userDomainId: 'default', projectName: 'admin', projectDomainId: 'default', interface: 'public', insecure: false, regionName: 'RegionOne',
  };
}

/** Brings the cloud up (or finds it up) and returns handles to it. */
export async function startOpenStack(): Promise<TestCloud> {
  const reason = unavailableReason();
  if (reason) throw new Error(reason);
  const started = Date.now();
  let bringUpSeconds = 0;
  if (!fs.existsSync(path.join(STATE, 'READY')) || !(await answers())) {
    // flock: parallel jest workers wait for one bring-up; up.sh itself exits at once when the cloud
    // is up, and waits for a live cloud that answers slowly. `-o`: the lock's descriptor is closed
    // for up.sh, or the cloud's daemons would inherit it and hold the lock for as long as they run.
    try {
      execFileSync('flock', ['-o', path.join(os.tmpdir(), 'hybrid-openstack-up.lock'), 'bash', path.join(HERE, 'up.sh')], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    } catch (error: any) {
      const said = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
      throw new Error(`the OpenStack test cloud did not come up (${error.code ?? `exit ${error.status}`}); logs in ${STATE}/log; up.sh said:\n${said}`);
    }
    bringUpSeconds = Math.round((Date.now() - started) / 1000);
  }
  const admin = new OpenStackClient(adminConfig());
  const made: string[] = [];
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-openstack-'));
  return {
    authUrl: AUTH_URL,
    bringUpSeconds,
    admin: () => new OpenStackClient(adminConfig()),
    async project(label: string, options: ProjectOptions = {}): Promise<TestProject> {
      const password = options.password ?? PASSWORD;
      const suffix = randomBytes(3).toString('hex');
      const projectName = `t-${label}-${suffix}`;
      const project = (await admin.post('identity', '/projects', { project: { name: projectName, domain_id: 'default' } })).body.project;
      const user = (await admin.post('identity', '/users', { user: { name: projectName, password, domain_id: 'default', default_project_id: project.id } })).body.user;
      const roles = (await admin.get('identity', '/roles', { query: { name: 'member' } })).body.roles;
      await admin.put('identity', `/projects/${project.id}/users/${user.id}/roles/${roles[0].id}`, undefined);
      made.push(project.id, `user:${user.id}`);
      const cloud = projectName;
      const cloudsFile = path.join(directory, `${projectName}.clouds.yaml`);
      let auth: object = { auth_url: AUTH_URL, username: projectName, password, project_name: projectName, user_domain_name: 'Default', project_domain_name: 'Default' };
      let authType: object = {};
      if (options.applicationCredentialSecret) {
        const userClient = new OpenStackClient({ ...adminConfig(), name: projectName, username: projectName, password, projectName });
        const credential = (await userClient.post('identity', `/users/${user.id}/application_credentials`, { application_credential: { name: `${projectName}-credential`, secret: options.applicationCredentialSecret } })).body.application_credential;
        userClient.close();
        auth = { auth_url: AUTH_URL, application_credential_id: credential.id, application_credential_secret: options.applicationCredentialSecret };
        authType = { auth_type: 'v3applicationcredential' };
      }
      if (options.quotas?.compute) await admin.put('compute', `/os-quota-sets/${project.id}`, { quota_set: options.quotas.compute });
      if (options.quotas?.network) await admin.put('network', `/v2.0/quotas/${project.id}`, { quota: options.quotas.network });
      if (options.quotas?.volume) await admin.put('block-storage', `/os-quota-sets/${project.id}`, { quota_set: options.quotas.volume });
      const adminAuth = { auth_url: AUTH_URL, username: 'admin', password: PASSWORD, project_name: 'admin', user_domain_name: 'Default', project_domain_name: 'Default' };
      fs.writeFileSync(cloudsFile, yaml.dump({ clouds: { [cloud]: { auth, ...authType, region_name: 'RegionOne' }, admin: { auth: adminAuth, region_name: 'RegionOne' } } }));
      const env = { OS_CLIENT_CONFIG_FILE: cloudsFile, OS_CLOUD: cloud, OS_CLIENT_SECURE_FILE: path.join(directory, 'no-secure.yaml') };
      const config = loadCloudConfig({ env });
      return { cloud, projectId: project.id, projectName, userId: user.id, cloudsFile, env, config, client: (options) => new OpenStackClient(config, options) };
    },
    async cleanup(): Promise<void> {
      for (const entry of made) {
        if (entry.startsWith('user:')) await admin.delete('identity', `/users/${entry.slice(5)}`, { allow: [404] });
        else await admin.delete('identity', `/projects/${entry}`, { allow: [404] });
      }
      admin.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Whether Keystone answers, given 10 s: a loaded machine's cloud is slow, not down. */
async function answers(): Promise<boolean> {
  try {
    const response = await fetch(`${AUTH_URL}`, { signal: AbortSignal.timeout(10_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** What `inventory` finds in a project that holds nothing. */
export const EMPTY_PROJECT = {
  servers: [], server_groups: [], volumes: [], keypairs: [], floatingips: [], ports: [], routers: [], subnets: [], networks: [], security_groups: [],
} as const;

/** Everything a project holds, by kind, through the API (for "leaves nothing behind" checks). */
export async function inventory(client: OpenStackClient): Promise<{ [kind: string]: string[] }> {
  const projectId = await client.projectId();
  const neutron = async (collection: string) =>
    (await client.list('network', `/v2.0/${collection}`, collection.replace(/-/g, '_'), { query: { project_id: projectId } })).map((item: any) => `${item.name ?? ''}:${item.id}`);
  return {
    servers: (await client.list('compute', '/servers/detail', 'servers')).map((server: any) => `${server.name}:${server.id}`),
    server_groups: (await client.list('compute', '/os-server-groups', 'server_groups')).map((group: any) => `${group.name}:${group.id}`),
    volumes: (await client.list('block-storage', '/volumes/detail', 'volumes')).map((volume: any) => `${volume.name}:${volume.id}`),
    keypairs: (await client.get('compute', '/os-keypairs')).body.keypairs.map((entry: any) => entry.keypair.name),
    floatingips: await neutron('floatingips'),
    ports: await neutron('ports'),
    routers: await neutron('routers'),
    subnets: await neutron('subnets'),
    networks: await neutron('networks'),
    // Every project has a `default` security group that Neutron made: leave it out.
    security_groups: (await neutron('security-groups')).filter((entry) => !entry.startsWith('default:')),
  };
}
