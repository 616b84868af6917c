import { App, Stack } from '../../../lib/core/app';
import { HybridError } from '../../../lib/core/errors';
import { Input } from '../../../lib/core/inputs';
import { LocalCommand } from '../../../constructs/local';
import { synthesizeStack } from '../../../synth/synthesize';

let stack: Stack;

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
});

afterEach(() => {
  App.resetCreated();
});

const nodes = () => synthesizeStack(stack).blueprint.node_templates;

test('a LocalCommand synthesizes to a hybrid.nodes.local.Command node template with every prop given', () => {
  new LocalCommand(stack, 'Migrate', {
    create: './migrate up',
    delete: './migrate down',
    update: './migrate up',
    env: { DATABASE_URL: 'postgres://db' },
    cwd: 'app',
    triggers: { schema: 'v2' },
  });
  expect(nodes().migrate).toEqual({
    type: 'hybrid.nodes.local.Command',
    properties: { create: './migrate up', delete: './migrate down', update: './migrate up', env: { DATABASE_URL: 'postgres://db' }, cwd: 'app', triggers: { schema: 'v2' } },
  });
});

test('output(name) is a reference to the attribute the command printed', () => {
  const command = new LocalCommand(stack, 'Issue', { create: 'echo ::hybrid-output::; echo token=abc' });
  new LocalCommand(stack, 'Use', { create: 'use-token', env: { TOKEN: command.output('token') } });
  expect(nodes().use.properties!.env).toEqual({ TOKEN: { get_attribute: ['issue', 'token'] } });
});

test('dependsOn orders another node first', () => {
  const first = new LocalCommand(stack, 'First', { create: 'true' });
  const second = new LocalCommand(stack, 'Second', { create: 'true' });
  second.dependsOn(first);
  expect(nodes().second.relationships).toEqual([{ type: 'cloudify.relationships.depends_on', target: 'first' }]);
});

test('props may be references to inputs', () => {
  const directory = new Input(stack, 'directory', { default: '/srv' });
  new LocalCommand(stack, 'List', { create: 'ls', cwd: directory.value });
  expect(nodes().list.properties!.cwd).toEqual({ get_input: 'directory' });
});

test('fails if the create command is empty, as an InvalidProps error naming the construct path', () => {
  let error: unknown;
  try {
    new LocalCommand(stack, 'Migrate', { create: '  ' });
  } catch (caught) {
    error = caught;
  }
  expect(HybridError.isHybridError(error) && error.code).toBe('InvalidProps');
  expect((error as Error).message).toMatch(/^demo\/Migrate: create must not be empty, got "  "/);
});

test('fails if an environment variable name is not a valid name', () => {
  expect(() => new LocalCommand(stack, 'Run', { create: 'true', env: { 'MY-VAR': 'x' } })).toThrow(/demo\/Run: env variable names must be letters, digits and '_'.*got "MY-VAR"/);
});

test('fails if an environment variable value is not a string', () => {
  expect(() => new LocalCommand(stack, 'Run', { create: 'true', env: { PORT: 80 as any } })).toThrow(/demo\/Run: env.PORT must be a string, got 80/);
});

test('fails if an output name is reserved by hybrid', () => {
  const command = new LocalCommand(stack, 'Run', { create: 'true' });
  expect(() => command.output('ran_at')).toThrow(/demo\/Run: output name must be .*got "ran_at"/);
});
