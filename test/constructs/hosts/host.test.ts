import { App, Stack } from '../../../lib/core/app';
import { Input, Secret } from '../../../lib/core/inputs';
import { builtinCatalogue } from '../../../lib/core/types';
import { Host, HostAuth, HostKey, Sudo } from '../../../constructs/hosts';
import { synthesizeStack } from '../../../synth/synthesize';
import { validateBlueprint } from '../../../synth/validate';
import { invalidPropsMessage } from '../../support/errors';

let stack: Stack;

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
});

afterEach(() => {
  App.resetCreated();
});

const blueprint = () => synthesizeStack(stack).blueprint;
const FINGERPRINT = 'SHA256:' + 'A'.repeat(43);

test('a Host synthesizes to a hybrid.nodes.ssh.Host with its connection properties', () => {
  new Host(stack, 'Web', { address: '10.0.0.5', port: 2222, user: 'deploy', auth: HostAuth.keyFile('~/.ssh/id_ed25519'), hostKey: HostKey.fingerprint(FINGERPRINT) });
  expect(blueprint().node_templates.web).toEqual({
    type: 'hybrid.nodes.ssh.Host',
    properties: {
      address: '10.0.0.5',
      port: 2222,
      user: 'deploy',
      auth: { method: 'key_file', path: '~/.ssh/id_ed25519' },
      host_key: { fingerprint: FINGERPRINT },
      os_family: 'linux',
    },
  });
});

test('the host key is checked against ~/.ssh/known_hosts unless told otherwise', () => {
  new Host(stack, 'Web', { address: 'web.example.com', user: 'deploy', auth: HostAuth.agent() });
  expect(blueprint().node_templates.web.properties!.host_key).toEqual({ known_hosts: '~/.ssh/known_hosts' });
});

test('a key and a sudo password from secrets synthesize to get_secret', () => {
  new Host(stack, 'Web', {
    address: '10.0.0.5', user: 'deploy', hostKey: HostKey.trustOnFirstUse(),
    auth: HostAuth.keyFromSecret(Secret.fromName('deploy-key')),
    sudo: Sudo.withPassword(Secret.fromName('sudo-password')),
  });
  const properties = blueprint().node_templates.web.properties!;
  expect([properties.auth, properties.sudo]).toEqual([{ method: 'private_key', private_key: { get_secret: 'deploy-key' } }, { password: { get_secret: 'sudo-password' } }]);
});

test('a bastion nests its connection properties and is deployed first', () => {
  const bastion = new Host(stack, 'Jump', { address: 'jump.example.com', user: 'ops', auth: HostAuth.agent(), hostKey: HostKey.fingerprint(FINGERPRINT) });
  new Host(stack, 'Db', { address: '10.0.1.9', user: 'deploy', auth: HostAuth.agent(), bastion });
  const db = blueprint().node_templates.db;
  expect(db.properties!.bastion).toEqual({ address: 'jump.example.com', user: 'ops', auth: { method: 'agent' }, host_key: { fingerprint: FINGERPRINT } });
  expect(db.relationships).toEqual([{ type: 'cloudify.relationships.depends_on', target: 'jump' }]);
});

test('the address may be a reference to an input', () => {
  const address = new Input(stack, 'address', {});
  new Host(stack, 'Web', { address: address.value, user: 'deploy', auth: HostAuth.agent() });
  expect(blueprint().node_templates.web.properties!.address).toEqual({ get_input: 'address' });
});

test('a stack of hosts validates against the hybrid types', () => {
  new Host(stack, 'Web', { address: '10.0.0.5', user: 'deploy', auth: HostAuth.agent(), concurrency: 2, connectTimeout: 5, keepaliveInterval: 0, tempDirectory: '/var/tmp' });
  expect(validateBlueprint(blueprint(), builtinCatalogue())).toEqual([]);
});

test('fails if the key is given as a plain string instead of a secret', () => {
  expect(invalidPropsMessage(() => new Host(stack, 'Web', { address: 'a', user: 'u', auth: HostAuth.keyFromSecret('-----BEGIN OPENSSH PRIVATE KEY-----' as any) }))).toContain(
    "HostAuth.keyFromSecret takes a secret reference such as Secret.fromName('deploy-key'), so the key never lands in the blueprint; got a plain string",
  );
});

test('fails if the fingerprint is not a SHA256 fingerprint', () => {
  expect(invalidPropsMessage(() => new Host(stack, 'Web', { address: 'a', user: 'u', auth: HostAuth.agent(), hostKey: HostKey.fingerprint('MD5:aa:bb') }))).toContain(
    `HostKey.fingerprint takes a SHA256 fingerprint as \`ssh-keygen -lf\` prints it ('SHA256:' and 43 base64 characters), got "MD5:aa:bb"`,
  );
});

test('fails if the port is out of range, naming the construct path', () => {
  const message = invalidPropsMessage(() => new Host(stack, 'Web', { address: 'a', user: 'u', auth: HostAuth.agent(), port: 70000 }));
  expect(message).toContain('demo/Web');
  expect(message).toContain('port must be a port number from 1 to 65535, got 70000');
});

test('fails if the address holds a backslash', () => {
  expect(invalidPropsMessage(() => new Host(stack, 'Web', { address: 'corp\\web1', user: 'u', auth: HostAuth.agent() }))).toContain(`address must be a host name or IP address (no spaces, '/', '\\' or '@'`);
});

test('a host behind a bastion holds the bastion connection and depends on it', () => {
  const bastion = new Host(stack, 'Bastion', { address: 'bastion.example', user: 'jump', auth: HostAuth.agent(), port: 2222 });
  const web = new Host(stack, 'Web', { address: '10.0.0.5', user: 'u', auth: HostAuth.agent(), bastion });
  expect([web.properties.bastion.address, web.properties.bastion.port, web.relationships.map((r) => r.target.node.id)]).toEqual(['bastion.example', 2222, ['Bastion']]);
});

test('fails if the address holds the user', () => {
  expect(invalidPropsMessage(() => new Host(stack, 'Web', { address: 'root@10.0.0.5', user: 'u', auth: HostAuth.agent() }))).toContain("the user goes in 'user'");
});
