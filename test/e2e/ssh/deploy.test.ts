/**
 * `hybrid deploy`, `diff` and `destroy` through the CLI, onto two real OpenSSH hosts: a Host,
 * a RemoteScript and two RemoteFiles (content, and a local directory) on each.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startSshHosts, SshTestHosts } from '../../support/ssh/hosts';
import { assertBuilt, makeProject, readTree, runCli } from '../../cli/support';
import { fakeSudoCalls, installFakeSudo } from '../../providers/ssh/support/fake-sudo';

const API_TOKEN = 'api-token-5e1f0c3a-do-not-leak';
const SUDO_PASSWORD = 'sudo-password-9b2d-do-not-leak';

function program(hosts: SshTestHosts): string {
  const entries = hosts.hosts.map((host) => ({ address: host.address, port: host.port, user: host.user }));
  return `
import { App, Stack, Input, Output, Secret, Fn } from 'hybrid-iac';
import { Host, HostAuth, HostKey, RemoteScript, RemoteFile, Sudo } from 'hybrid-iac/constructs/hosts';
const app = new App();
const stack = new Stack(app, 'fleet');
const greeting = new Input(stack, 'greeting', { default: 'hello' });
${JSON.stringify(entries)}.forEach((entry, index) => {
  const n = index + 1;
  const host = new Host(stack, 'Web' + n, {
    ...entry,
    auth: HostAuth.keyFromSecret(Secret.fromName('deploy-key')),
    hostKey: HostKey.knownHosts(${JSON.stringify(hosts.knownHostsFile)}),
    sudo: Sudo.withPassword(Secret.fromName('sudo-password')),
  });
  const service = new RemoteScript(stack, 'App' + n, {
    host,
    create: [
      'mkdir -p app',
      'printf "%s\\\\n" "$GREETING" > app/greeting.txt',
      'printf "%s" "$API_TOKEN" | od -An -tx1 > app/token.hex',
      'echo "installed on $(hostname)"',
      'session=s-$(od -An -N8 -tx1 /dev/urandom | tr -d " \\\\n")',
      'echo "$session" > app/session',
      'echo ::hybrid-output::',
      'echo "session=$session"',
    ].join('\\n'),
    delete: 'rm -rf app; echo "$GREETING" > deleted-by-hybrid.txt',
    env: { GREETING: greeting.value, API_TOKEN: Secret.fromName('api-token') },
    secretOutputs: ['session'],
  });
  new RemoteFile(stack, 'Conf' + n, { host, path: 'etc/app.conf', content: Fn.concat('greeting=', greeting.value, '\\n'), mode: 0o640 });
  new RemoteFile(stack, 'Site' + n, { host, path: 'srv/site', source: 'site' });
  new RemoteFile(stack, 'Key' + n, { host, path: 'etc/ssl/app.key', content: 'not really a key\\n', mode: 0o600, sudo: true });
  new Output(stack, 'session' + n, { value: service.output('session') });
  new Output(stack, 'arch' + n, { value: host.arch });
});
`;
}

beforeAll(assertBuilt);

describe('hybrid deploy, diff and destroy onto two SSH hosts', () => {
  let hosts: SshTestHosts;
  let project: string;
  const transcript: string[] = [];
  let env: NodeJS.ProcessEnv;
  const cli = (args: string[]) => {
    const result = runCli(args, project, env);
    transcript.push(result.stdout, result.stderr);
    return result;
  };
  const onHost = (index: number, file: string) => path.join(hosts.hosts[index].rootDir, file);

  beforeAll(async () => {
    hosts = await startSshHosts(2);
    for (const host of hosts.hosts) installFakeSudo(host, { password: SUDO_PASSWORD });
    env = { HYBRID_SECRET_DEPLOY_KEY: hosts.clientKey.privateKey, HYBRID_SECRET_API_TOKEN: API_TOKEN, HYBRID_SECRET_SUDO_PASSWORD: SUDO_PASSWORD };
    project = makeProject({ 'main.ts': program(hosts), 'site/index.html': '<h1>fleet</h1>\n', 'site/js/app.js': 'console.log(1);\n' }, 'hybrid-ssh-e2e-');
    fs.chmodSync(path.join(project, 'site', 'index.html'), 0o644);
  });

  afterAll(async () => {
    fs.rmSync(project, { recursive: true, force: true });
    await hosts?.stop();
  });

  test('deploy runs the scripts and uploads the files on both hosts', () => {
    const result = cli(['deploy', '--yes', '--no-typecheck']);
    expect(result.code).toBe(0);
    for (const index of [0, 1]) {
      expect(fs.readFileSync(onHost(index, 'app/greeting.txt'), 'utf8')).toBe('hello\n');
      expect(fs.readFileSync(onHost(index, 'etc/app.conf'), 'utf8')).toBe('greeting=hello\n');
      expect(fs.statSync(onHost(index, 'etc/app.conf')).mode & 0o777).toBe(0o640);
      expect(fs.readFileSync(onHost(index, 'srv/site/js/app.js'), 'utf8')).toBe('console.log(1);\n');
    }
  });

  test('a file written with sudo went through sudo with the password, and landed', () => {
    expect(fakeSudoCalls(hosts.hosts[0])).toContainEqual('options=-S -p args=2 command=/bin/sh');
    expect(fs.readFileSync(onHost(0, 'etc/ssl/app.key'), 'utf8')).toBe('not really a key\n');
    expect(fs.statSync(onHost(0, 'etc/ssl/app.key')).mode & 0o777).toBe(0o600);
  });

  test("the script's output streams into the deploy output", () => {
    expect(transcript.join('\n')).toMatch(/installed on /);
  });

  test('the API token reaches the script', () => {
    const hex = fs.readFileSync(onHost(0, 'app/token.hex'), 'utf8').replace(/\s+/g, '');
    expect(Buffer.from(hex, 'hex').toString('utf8')).toBe(API_TOKEN);
  });

  test('diff reports no changes right after the deploy', () => {
    const result = cli(['diff', '--detailed-exitcode']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test('diff plans an update when a file of the source directory changes', () => {
    fs.writeFileSync(path.join(project, 'site', 'index.html'), '<h1>fleet v2</h1>\n');
    const result = cli(['diff', '--detailed-exitcode']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Plan: 0 to create, 2 to update, 0 to replace, 0 to delete');
  });

  test('the secrets never appear in state, blueprints, output or logs', () => {
    const sessions = [0, 1].map((index) => fs.readFileSync(onHost(index, 'app/session'), 'utf8').trim());
    expect(sessions.every((session) => /^s-[0-9a-f]{16}$/.test(session))).toBe(true);
    const secrets = [API_TOKEN, SUDO_PASSWORD, hosts.clientKey.privateKey.split('\n')[1], ...sessions];
    const files = [...readTree(path.join(project, '.hybrid')), ...readTree(path.join(project, 'hybrid.out'))];
    expect(files.length).toBeGreaterThan(3);
    for (const [file, content] of files) expect({ file, leaked: secrets.filter((secret) => content.includes(secret)) }).toEqual({ file, leaked: [] });
    expect(secrets.filter((secret) => transcript.join('\n').includes(secret))).toEqual([]);
  });

  test('destroy runs the delete scripts and removes the uploaded files', () => {
    const result = cli(['destroy', '--yes']);
    expect(result.code).toBe(0);
    for (const index of [0, 1]) {
      expect(fs.readFileSync(onHost(index, 'deleted-by-hybrid.txt'), 'utf8')).toBe('hello\n');
      expect(fs.existsSync(onHost(index, 'app'))).toBe(false);
      expect(fs.existsSync(onHost(index, 'etc/app.conf'))).toBe(false);
      expect(fs.existsSync(onHost(index, 'srv'))).toBe(false);
      expect(fs.existsSync(onHost(index, 'etc/ssl'))).toBe(false);
    }
  });
});
