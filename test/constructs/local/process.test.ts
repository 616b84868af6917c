import { App, Stack } from '../../../lib/core/app';
import { HealthCheck, LocalFile, LocalProcess } from '../../../constructs/local';
import { synthesizeStack } from '../../../synth/synthesize';

let stack: Stack;

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
});

afterEach(() => {
  App.resetCreated();
});

const nodes = () => synthesizeStack(stack).blueprint.node_templates;

test('a LocalProcess synthesizes to a hybrid.nodes.local.Process node template with a port health check', () => {
  new LocalProcess(stack, 'Api', {
    command: ['node', 'server.js'],
    env: { PORT: '8080' },
    cwd: 'api',
    healthCheck: HealthCheck.port(8080),
    startupTimeout: 60,
    logFile: 'logs/api.log',
  });
  expect(nodes().api).toEqual({
    type: 'hybrid.nodes.local.Process',
    properties: { command: ['node', 'server.js'], env: { PORT: '8080' }, cwd: 'api', health: { port: 8080 }, startup_timeout: 60, log_file: 'logs/api.log' },
  });
});

test('a command health check becomes the health property', () => {
  new LocalProcess(stack, 'Worker', { command: ['worker'], healthCheck: HealthCheck.command('test -f ready') });
  expect(nodes().worker.properties!.health).toEqual({ command: 'test -f ready' });
});

test('without a health check the node type default (alive for a moment) applies', () => {
  new LocalProcess(stack, 'Worker', { command: ['worker'], healthCheck: HealthCheck.alive() });
  expect(nodes().worker.properties).toEqual({ command: ['worker'] });
});

test('pid and logFile are references to the process attributes', () => {
  const api = new LocalProcess(stack, 'Api', { command: ['api'] });
  new LocalFile(stack, 'PidFile', { path: 'api.pid', content: api.pid });
  expect(nodes()['pid-file'].properties!.content).toEqual({ get_attribute: ['api', 'pid'] });
  expect(api.logFile.describe()).toBe("the attribute 'log_file' of demo/Api");
});

test('command arguments may be references', () => {
  const config = new LocalFile(stack, 'Config', { path: 'api.conf' });
  new LocalProcess(stack, 'Api', { command: ['api', '--config', config.absolutePath] });
  expect(nodes().api.properties!.command).toEqual(['api', '--config', { get_attribute: ['config', 'path'] }]);
});

test('fails if the command is empty, naming the construct path', () => {
  expect(() => new LocalProcess(stack, 'Api', { command: [] })).toThrow(/^demo\/Api: command must be a non-empty list \(the program, then its arguments\), got \[\]/);
});

test('fails if the program is an empty string', () => {
  expect(() => new LocalProcess(stack, 'Api', { command: [''] })).toThrow(/demo\/Api: command\[0\] must not be empty/);
});

test('fails if the health check port is not a TCP port', () => {
  expect(() => new LocalProcess(stack, 'Api', { command: ['api'], healthCheck: HealthCheck.port(70000) })).toThrow(/demo\/Api: healthCheck port must be a port number from 1 to 65535, got 70000/);
});

test('fails if the health check is not made by HealthCheck', () => {
  expect(() => new LocalProcess(stack, 'Api', { command: ['api'], healthCheck: { port: 80 } as any })).toThrow(/demo\/Api: healthCheck must be made with HealthCheck.port/);
});

test('fails if the startup timeout is not a whole number of seconds', () => {
  expect(() => new LocalProcess(stack, 'Api', { command: ['api'], startupTimeout: 0 })).toThrow(/demo\/Api: startupTimeout must be a whole number of seconds from 1 up, got 0/);
});
