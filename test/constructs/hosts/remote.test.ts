import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from '../../../lib/core/app';
import { Secret } from '../../../lib/core/inputs';
import { Fn } from '../../../lib/core/refs';
import { builtinCatalogue } from '../../../lib/core/types';
import { Host, HostAuth, RemoteCommand, RemoteFile, RemoteOperation, RemoteScript } from '../../../constructs/hosts';
import { synthesizeStack } from '../../../synth/synthesize';
import { validateBlueprint } from '../../../synth/validate';
import { invalidPropsMessage } from '../../support/errors';

let stack: Stack;
let host: Host;

beforeEach(() => {
  stack = new Stack(new App(), 'demo');
  host = new Host(stack, 'Web', { address: '10.0.0.5', user: 'deploy', auth: HostAuth.agent() });
});

afterEach(() => {
  App.resetCreated();
});

const nodes = () => synthesizeStack(stack).blueprint.node_templates;

test('a RemoteCommand is contained in its host and carries its commands and settings', () => {
  new RemoteCommand(stack, 'Migrate', { host, create: './migrate up', delete: './migrate down', env: { MODE: 'full' }, cwd: '/srv/app', sudo: true, secretOutputs: ['token'] });
  expect(nodes().migrate).toEqual({
    type: 'hybrid.nodes.ssh.Command',
    properties: { create: './migrate up', delete: './migrate down', env: { MODE: 'full' }, cwd: '/srv/app', sudo: true, secret_outputs: ['token'] },
    relationships: [{ type: 'cloudify.relationships.contained_in', target: 'web' }],
  });
});

test("env may hold another node's output and a secret", () => {
  const issuer = new RemoteScript(stack, 'Issuer', { host, create: 'echo ::hybrid-output::; echo token=abc', secretOutputs: ['token'] });
  new RemoteScript(stack, 'User', { host, create: 'use "$TOKEN"', env: { TOKEN: issuer.output('token'), API_KEY: Secret.fromName('api-key') } });
  expect(nodes().user.properties!.env).toEqual({ TOKEN: { get_attribute: ['issuer', 'token'] }, API_KEY: { get_secret: 'api-key' } });
});

test('a timeout sets the timeout of the create, update and delete operations', () => {
  new RemoteScript(stack, 'Slow', { host, create: 'sleep 1', args: ['a'], timeout: 90 });
  expect(nodes().slow.interfaces!['cloudify.interfaces.lifecycle'].create).toEqual({ implementation: 'hybrid.ssh.script.create', timeout: 90 });
});

test('a RemoteFile with content carries its path, content and octal mode', () => {
  new RemoteFile(stack, 'Conf', { host, path: '/etc/app.conf', content: 'x=1', mode: 0o640, owner: 'app:app', sudo: true });
  expect(nodes().conf.properties).toEqual({ path: '/etc/app.conf', content: 'x=1', mode: '0640', owner: 'app:app', sudo: true });
});

test("a RemoteFile's source digest changes when the source changes", () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-remote-file-'));
  try {
    fs.writeFileSync(path.join(directory, 'a.txt'), 'one');
    new RemoteFile(stack, 'Site', { host, path: 'site', source: directory });
    const before = nodes().site.properties!.source_digest;
    fs.writeFileSync(path.join(directory, 'a.txt'), 'two');
    App.resetCreated();
    stack = new Stack(new App(), 'demo');
    host = new Host(stack, 'Web', { address: '10.0.0.5', user: 'deploy', auth: HostAuth.agent() });
    new RemoteFile(stack, 'Site', { host, path: 'site', source: directory });
    expect(nodes().site.properties!.source_digest).not.toBe(before);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});

test('RemoteOperation.script runs as a relationship operation reading the target attributes', () => {
  const master = new RemoteScript(stack, 'Master', { host, create: 'init', secretOutputs: ['join_command'] });
  const worker = new RemoteScript(stack, 'Worker', { host, create: 'prepare' });
  worker.connectTo(master, { source: { establish: RemoteOperation.script('$JOIN_COMMAND', { env: { JOIN_COMMAND: Fn.targetAttribute('join_command') }, sudo: true, maxRetries: 0 }) } });
  expect(nodes().worker.relationships![1]).toEqual({
    type: 'cloudify.relationships.connected_to',
    target: 'master',
    source_interfaces: {
      'cloudify.interfaces.relationship_lifecycle': {
        establish: { implementation: 'hybrid.ssh.run', inputs: { script: '$JOIN_COMMAND', env: { JOIN_COMMAND: { get_attribute: ['TARGET', 'join_command'] } }, sudo: true }, max_retries: 0 },
      },
    },
  });
});

test('a stack with every remote construct validates against the hybrid types', () => {
  new RemoteCommand(stack, 'Cmd', { host, create: 'true', triggers: { version: '1' } });
  new RemoteScript(stack, 'Script', { host, create: '#!/bin/bash\ntrue', args: ['x'] });
  new RemoteFile(stack, 'File', { host, path: 'f', content: 'c', directoryMode: '0700' });
  expect(validateBlueprint(synthesizeStack(stack).blueprint, builtinCatalogue())).toEqual([]);
});

test('fails if the create command is empty', () => {
  expect(invalidPropsMessage(() => new RemoteCommand(stack, 'Empty', { host, create: ' ' }))).toContain('create must not be empty');
});

test('fails if the host is not a Host', () => {
  expect(invalidPropsMessage(() => new RemoteScript(stack, 'Lost', { host: stack as any, create: 'true' }))).toContain('host must be a Host');
});

test('fails if an output name is reserved', () => {
  const command = new RemoteCommand(stack, 'Cmd', { host, create: 'true' });
  expect(invalidPropsMessage(() => command.output('ran_at'))).toContain('not ran_at');
});

test('fails if a RemoteFile has both content and source', () => {
  expect(invalidPropsMessage(() => new RemoteFile(stack, 'Both', { host, path: 'f', content: 'c', source: 'x' }))).toContain('give content or source, not both');
});

test('fails if a RemoteFile source does not exist', () => {
  expect(invalidPropsMessage(() => new RemoteFile(stack, 'Missing', { host, path: 'f', source: '/nonexistent/site' }))).toContain('source "/nonexistent/site" does not exist');
});

test('fails if a mode is written in decimal', () => {
  expect(invalidPropsMessage(() => new RemoteFile(stack, 'Decimal', { host, path: 'f', content: 'c', mode: 644 }))).toContain("mode 644 is decimal (octal 1204); write 0o644 or '0644'");
});
