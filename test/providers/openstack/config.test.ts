/** clouds.yaml, secure.yaml and OS_* variables, read as the OpenStack CLI reads them. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { authRequestBody, findEndpoint, identityBase } from '../../../lib/providers/openstack/client/auth';
import { loadCloudConfig } from '../../../lib/providers/openstack/client/config';
import { errorOf } from '../../support/errors';

let directory: string;

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-os-config-'));
});

afterEach(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

function write(file: string, content: string): string {
  const full = path.join(directory, file);
  fs.writeFileSync(full, content);
  return full;
}

const CLOUDS = `
clouds:
  prod:
    region_name: RegionTwo
    interface: internal
    auth:
      auth_url: https://keystone.example:5000
      username: alice
      project_name: web
      user_domain_name: Default
      project_domain_name: Default
  ci:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example:5000/v3/
      application_credential_id: 0123abcd
`;
const SECURE = `
clouds:
  prod:
    auth:
      password: from-secure-yaml
  ci:
    auth:
      application_credential_secret: app-secret
`;

test('a named cloud merges its password from secure.yaml', () => {
  const env = { OS_CLIENT_CONFIG_FILE: write('clouds.yaml', CLOUDS), OS_CLIENT_SECURE_FILE: write('secure.yaml', SECURE), HOME: directory };
  expect(loadCloudConfig({ cloud: 'prod', env })).toMatchObject({ name: 'prod', authMethod: 'password', username: 'alice', password: 'from-secure-yaml', regionName: 'RegionTwo', interface: 'internal' });
});

test('OS_CLOUD picks the cloud when the node names none', () => {
  const env = { OS_CLIENT_CONFIG_FILE: write('clouds.yaml', CLOUDS), OS_CLIENT_SECURE_FILE: write('secure.yaml', SECURE), OS_CLOUD: 'ci', HOME: directory };
  expect(loadCloudConfig({ env })).toMatchObject({ name: 'ci', authMethod: 'application_credential', applicationCredentialId: '0123abcd', applicationCredentialSecret: 'app-secret' });
});

test('the region property overrides the cloud\'s region', () => {
  const env = { OS_CLIENT_CONFIG_FILE: write('clouds.yaml', CLOUDS), OS_CLIENT_SECURE_FILE: write('secure.yaml', SECURE), HOME: directory };
  expect(loadCloudConfig({ cloud: 'prod', region: 'RegionThree', env }).regionName).toBe('RegionThree');
});

test('clouds.yaml is found in the stack directory when OS_CLIENT_CONFIG_FILE is not set', () => {
  write('clouds.yaml', CLOUDS.replace('username: alice', 'username: alice\n      password: inline'));
  expect(loadCloudConfig({ cloud: 'prod', env: { HOME: directory }, cwd: directory }).password).toBe('inline');
});

test('OS_* variables make the cloud when no cloud is named', () => {
  const env = { OS_AUTH_URL: 'http://127.0.0.1:5000/v3', OS_USERNAME: 'bob', OS_PASSWORD: 'pw', OS_PROJECT_NAME: 'demo', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_ID: 'default', OS_REGION_NAME: 'RegionOne', OS_INTERFACE: 'publicURL' };
  expect(loadCloudConfig({ env })).toMatchObject({ name: 'envvars', username: 'bob', projectName: 'demo', projectDomainId: 'default', regionName: 'RegionOne', interface: 'public' });
});

test('fails if a named cloud is not in clouds.yaml, naming the file', () => {
  const file = write('clouds.yaml', CLOUDS);
  const error = errorOf(() => loadCloudConfig({ cloud: 'staging', env: { OS_CLIENT_CONFIG_FILE: file, HOME: directory } }));
  expect([error.code, error.message]).toEqual(['ProviderAuthFailed', `cloud 'staging' is not in ${file}`]);
});

test('fails if nothing configures a cloud, saying what to set', () => {
  expect(errorOf(() => loadCloudConfig({ env: { HOME: directory }, cwd: directory })).message).toContain('set the node\'s cloud property or OS_CLOUD');
});

test('fails if the password is missing, without inventing one', () => {
  const env = { OS_AUTH_URL: 'http://127.0.0.1:5000', OS_USERNAME: 'bob', OS_PROJECT_NAME: 'demo' };
  expect(errorOf(() => loadCloudConfig({ env })).message).toBe("OpenStack cloud 'envvars' lacks password (clouds.yaml/secure.yaml auth section, or OS_* variables)");
});

test('password auth is scoped to the project, with default domains', () => {
  const body = authRequestBody({ name: 'x', authUrl: 'u', authMethod: 'password', username: 'bob', password: 'pw', projectName: 'demo', interface: 'public', insecure: false });
  expect(body.auth).toEqual({
    identity: { methods: ['password'], password: { user: { name: 'bob', domain: { id: 'default' }, password: 'pw' } } },
    scope: { project: { name: 'demo', domain: { id: 'default' } } },
  });
});

test('application credential auth asks for no scope', () => {
  const body = authRequestBody({ name: 'x', authUrl: 'u', authMethod: 'application_credential', applicationCredentialId: 'id1', applicationCredentialSecret: 's', interface: 'public', insecure: false });
  expect(body.auth).toEqual({ identity: { methods: ['application_credential'], application_credential: { id: 'id1', secret: 's' } } });
});

test('auth URLs with or without /v3 reach the v3 API', () => {
  expect(['http://k:5000', 'http://k:5000/v3/', 'http://k/identity', 'http://k:5000/v2.0'].map(identityBase)).toEqual(['http://k:5000/v3', 'http://k:5000/v3', 'http://k/identity/v3', 'http://k:5000/v3']);
});

test('the catalog gives the endpoint of the interface and region asked for, under any block-storage alias', () => {
  const catalog = [{ type: 'volumev3', endpoints: [
    { interface: 'public', region_id: 'One', url: 'http://one/v3/p' },
    { interface: 'internal', region_id: 'Two', url: 'http://two-internal/v3/p/' },
  ] }];
  expect(findEndpoint(catalog, 'block-storage', 'internal', 'Two', 'c')).toBe('http://two-internal/v3/p');
});

test('fails if the catalog has no endpoint for the region, listing what it has', () => {
  const catalog = [{ type: 'compute', endpoints: [{ interface: 'public', region_id: 'One', url: 'http://one' }] }];
  expect(() => findEndpoint(catalog, 'compute', 'public', 'Two', 'c')).toThrow("cloud 'c' has no public endpoint for compute in region Two (it offers public@One)");
});
