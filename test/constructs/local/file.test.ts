import { App, Stack } from '../../../lib/core/app';
import { LocalCommand, LocalFile } from '../../../constructs/local';
import { synthesizeStack } from '../../../synth/synthesize';

let stack: Stack;

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
});

afterEach(() => {
  App.resetCreated();
});

const nodes = () => synthesizeStack(stack).blueprint.node_templates;

test('a LocalFile synthesizes to a hybrid.nodes.local.File node template with path, content and octal mode', () => {
  new LocalFile(stack, 'AppConfig', { path: 'etc/app.conf', content: 'port=80\n', mode: 0o600 });
  expect(nodes()['app-config']).toEqual({ type: 'hybrid.nodes.local.File', properties: { path: 'etc/app.conf', content: 'port=80\n', mode: '0600' } });
});

test('a mode given as an octal string is written with a leading zero', () => {
  new LocalFile(stack, 'Config', { path: '/tmp/x', mode: '755' });
  expect(nodes().config.properties!.mode).toBe('0755');
});

test('a LocalFile leaves content and mode to the node type defaults when not given', () => {
  new LocalFile(stack, 'Config', { path: '/tmp/x' });
  expect(nodes().config.properties).toEqual({ path: '/tmp/x' });
});

test('absolutePath is a reference to the path attribute that orders the file first', () => {
  const file = new LocalFile(stack, 'Config', { path: 'app.conf' });
  new LocalCommand(stack, 'Reload', { create: 'true', env: { CONFIG: file.absolutePath } });
  const reload = nodes().reload;
  expect(reload.properties!.env).toEqual({ CONFIG: { get_attribute: ['config', 'path'] } });
  expect(reload.relationships).toEqual([{ type: 'cloudify.relationships.depends_on', target: 'config' }]);
});

test('content may be a reference', () => {
  const command = new LocalCommand(stack, 'Token', { create: 'echo ::hybrid-output::; echo token=abc' });
  new LocalFile(stack, 'TokenFile', { path: 'token', content: command.output('token') });
  expect(nodes()['token-file'].properties!.content).toEqual({ get_attribute: ['token', 'token'] });
});

test('fails if the path is empty, naming the construct path', () => {
  expect(() => new LocalFile(stack, 'Config', { path: '' })).toThrow(/^demo\/Config: path must not be empty, got ""/);
});

test('fails if the path names a directory', () => {
  expect(() => new LocalFile(stack, 'Config', { path: 'etc/' })).toThrow(/demo\/Config: path must name a file/);
});

test('fails if the mode is not permission bits', () => {
  expect(() => new LocalFile(stack, 'Config', { path: 'x', mode: '0999' })).toThrow(/demo\/Config: mode must be permission bits such as 0o644 or '0644', got "0999"/);
  expect(() => new LocalFile(stack, 'Other', { path: 'x', mode: 0o10000 })).toThrow(/demo\/Other: mode must be permission bits/);
});

test('fails if the mode is an octal-looking decimal number', () => {
  expect(() => new LocalFile(stack, 'Config', { path: 'x', mode: 644 })).toThrow(/demo\/Config: mode 644 is decimal \(octal 1204\); write 0o644 or '0644'/);
});
