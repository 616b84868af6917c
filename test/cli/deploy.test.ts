import * as fs from 'fs';
import * as path from 'path';
import { assertBuilt, freePort, makeProject, readTree, runCli } from './support';

function program(port: number): string {
  return `
import { App, Stack, Input, Output, Fn, Secret } from 'hybrid-iac';
import { LocalFile, LocalProcess, HealthCheck } from 'hybrid-iac/constructs/local';
const app = new App();
const stack = new Stack(app, 'web');
const greeting = new Input(stack, 'greeting', { default: 'hello' });
const page = new LocalFile(stack, 'Page', { path: 'www/index.html', content: greeting.value });
const token = new LocalFile(stack, 'Token', { path: 'www/token.txt', content: Secret.fromName('api-token'), mode: 0o600 });
const server = new LocalProcess(stack, 'Server', {
  command: ['node', '-e', "require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')"],
  healthCheck: HealthCheck.port(${port}),
});
server.dependsOn(page);
new Output(stack, 'url', { value: Fn.concat('http://127.0.0.1:${port}/') });
new Output(stack, 'pagePath', { value: page.absolutePath });
void token;
`;
}

const CANARY = 'canary-7f3b9e21-do-not-leak';
const ENV = { HYBRID_SECRET_API_TOKEN: CANARY };

beforeAll(assertBuilt);

describe('hybrid deploy, diff and destroy on the local machine', () => {
  let project: string;
  let port: number;
  const transcript: string[] = [];
  const cli = (args: string[]) => {
    const result = runCli(args, project, ENV);
    transcript.push(result.stdout, result.stderr);
    return result;
  };

  beforeAll(async () => {
    port = await freePort();
    project = makeProject({ 'main.ts': program(port) });
  });

  afterAll(() => {
    cli(['destroy', '--yes']);
    fs.rmSync(project, { recursive: true, force: true });
  });

  test('deploy creates the files and starts the process', async () => {
    const result = cli(['deploy', '--yes', '--no-typecheck']);
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(project, 'www', 'index.html'), 'utf8')).toBe('hello');
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(await response.text()).toBe('ok');
  });

  test('outputs prints what the deploy recorded', () => {
    expect(cli(['outputs']).stdout).toContain(`url = http://127.0.0.1:${port}/`);
  });

  test('diff reports no changes right after a deploy, every time', () => {
    for (let run = 0; run < 3; run++) expect(cli(['diff', '--detailed-exitcode']).code).toBe(0);
  });

  test('diff shows one update with the old and new value when an input changes', () => {
    const result = cli(['diff', '--detailed-exitcode', '--input', 'greeting=bonjour']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('~ content: "hello" → "bonjour"');
    expect(result.stdout).toContain('Plan: 0 to create, 1 to update, 0 to replace, 0 to delete, 2 unchanged.');
  });

  test('diff shows a file edited behind hybrid\'s back as drift', () => {
    fs.writeFileSync(path.join(project, 'www', 'index.html'), 'edited');
    const result = cli(['diff']);
    expect(result.stdout).toMatch(/page_0[\s\S]*drift/);
    cli(['deploy', '--yes', '--no-typecheck']);
  });

  test('deploy applies the change and the next diff is empty', () => {
    expect(cli(['deploy', '--yes', '--no-typecheck', '--input', 'greeting=bonjour']).code).toBe(0);
    expect(fs.readFileSync(path.join(project, 'www', 'index.html'), 'utf8')).toBe('bonjour');
    expect(cli(['diff', '--detailed-exitcode', '--input', 'greeting=bonjour']).code).toBe(0);
  });

  test('state list shows every instance started', () => {
    const result = cli(['state', 'list']);
    expect(result.stdout).toMatch(/page_0\s+started/);
    expect(result.stdout).toMatch(/server_0\s+started/);
  });

  test('the secret never appears in state, blueprints, output or logs', () => {
    const files = [...readTree(path.join(project, '.hybrid')), ...readTree(path.join(project, 'hybrid.out'))];
    expect(files.length).toBeGreaterThan(3);
    for (const [file, content] of files) expect({ file, leaked: content.includes(CANARY) }).toEqual({ file, leaked: false });
    expect(transcript.join('\n')).not.toContain(CANARY);
    // The file the user asked for does hold it: that is the point of the deployment.
    expect(fs.readFileSync(path.join(project, 'www', 'token.txt'), 'utf8')).toBe(CANARY);
  });

  test('destroy stops the process and removes the files', async () => {
    expect(cli(['destroy', '--yes', '--input', 'greeting=bonjour']).code).toBe(0);
    expect(fs.existsSync(path.join(project, 'www', 'index.html'))).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});

describe('hybrid deploy safety', () => {
  test('fails if a destructive plan has no terminal to confirm it and no --yes', async () => {
    const project = makeProject({ 'main.ts': program(await freePort()) });
    try {
      runCli(['deploy', '--yes', '--no-typecheck'], project, ENV);
      const result = runCli(['destroy'], project, ENV);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('ConfirmationRequired');
    } finally {
      runCli(['destroy', '--yes'], project, ENV);
    }
  });

  test('fails if a secret is missing, naming the variable that provides it', () => {
    const project = makeProject({ 'main.ts': program(1) });
    const result = runCli(['diff'], project);
    expect(result.stderr).toContain("needs the secret 'api-token': set HYBRID_SECRET_API_TOKEN");
  });

  test('fails if an input does not meet its declared type', () => {
    const project = makeProject({
      'main.ts': `import { App, Stack, Input, InputType } from 'hybrid-iac';\nconst s = new Stack(new App(), 's');\nnew Input(s, 'count', { type: InputType.INTEGER, default: 1 });\n`,
    });
    const result = runCli(['diff', '--input', 'count=many'], project);
    expect(result.stderr).toContain(`input 'count' must be of type integer, got "many"`);
  });

  test('refuses a saved plan once state has moved', async () => {
    const project = makeProject({ 'main.ts': program(await freePort()) });
    try {
      expect(runCli(['diff', '--out', 'plan.json'], project, ENV).code).toBe(0);
      runCli(['deploy', '--yes', '--no-typecheck'], project, ENV);
      const result = runCli(['deploy', '--plan-file', 'plan.json', '--no-typecheck'], project, ENV);
      expect(result.stderr).toContain('StateMoved');
    } finally {
      runCli(['destroy', '--yes'], project, ENV);
    }
  });

  test('applies a saved plan when nothing moved', async () => {
    const project = makeProject({ 'main.ts': program(await freePort()) });
    try {
      runCli(['diff', '--out', 'plan.json'], project, ENV);
      expect(runCli(['deploy', '--plan-file', 'plan.json', '--no-typecheck'], project, ENV).code).toBe(0);
    } finally {
      runCli(['destroy', '--yes'], project, ENV);
    }
  });
});

describe('hybrid deploy --blueprint', () => {
  test('deploys a hand-written blueprint with no program', () => {
    const directory = makeProject({
      'hybrid.json': '{"app": "none.ts"}',
      'bp/blueprint.yaml': [
        'tosca_definitions_version: cloudify_dsl_1_4',
        'imports: [cloudify/types/types.yaml, hybrid-types.yaml]',
        'inputs: { text: { type: string, default: hand-written } }',
        'node_templates:',
        '  note: { type: hybrid.nodes.local.File, properties: { path: note.txt, content: { get_input: text } } }',
      ].join('\n'),
    });
    const result = runCli(['deploy', '--blueprint', 'bp/blueprint.yaml', '--yes'], directory);
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(directory, 'bp', 'note.txt'), 'utf8')).toBe('hand-written');
  });

  test('state list shows the last failure of an instance whose create failed', () => {
    const directory = makeProject({
      'hybrid.json': '{"app": "none.ts"}',
      'bp/blueprint.yaml': [
        'tosca_definitions_version: cloudify_dsl_1_4',
        'imports: [cloudify/types/types.yaml, hybrid-types.yaml]',
        'node_templates:',
        '  broken: { type: hybrid.nodes.local.Command, properties: { create: "echo disk full >&2; exit 3" } }',
      ].join('\n'),
    });
    const deployed = runCli(['deploy', '--blueprint', 'bp/blueprint.yaml', '--yes'], directory);
    const listed = runCli(['state', 'list', '--blueprint', 'bp/blueprint.yaml'], directory);
    expect([deployed.code, listed.stdout]).toEqual([1, expect.stringMatching(/broken_0 .*\n {6}last failure: .*exit(ed with)? (code )?3/)]);
  });

  test('runs an operation implemented by a script next to the blueprint, with its inputs and outputs', () => {
    const directory = makeProject({
      'hybrid.json': '{"app": "none.ts"}',
      'bp/scripts/create.sh': 'echo "$GREETING" > created.txt\necho ::hybrid-output::\necho answer=42\n',
      'bp/blueprint.yaml': [
        'tosca_definitions_version: cloudify_dsl_1_4',
        'imports: [cloudify/types/types.yaml, hybrid-types.yaml]',
        'node_templates:',
        '  job:',
        '    type: cloudify.nodes.Root',
        '    interfaces:',
        '      cloudify.interfaces.lifecycle:',
        '        create: { implementation: scripts/create.sh, inputs: { GREETING: hi } }',
        'outputs:',
        '  answer: { value: { get_attribute: [job, answer] } }',
      ].join('\n'),
    });
    const result = runCli(['deploy', '--blueprint', 'bp/blueprint.yaml', '--yes'], directory);
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(directory, 'bp', 'created.txt'), 'utf8')).toBe('hi\n');
    expect(result.stdout).toContain('answer = "42"');
  });

  test('fails if the blueprint has a key Cloudify does not allow, naming where', () => {
    const directory = makeProject({
      'bp.yaml': 'tosca_definitions_version: cloudify_dsl_1_4\nimports: [hybrid-types.yaml]\nnode_templates:\n  a: { type: hybrid.nodes.local.File, properties: { path: a, colour: red } }\n',
    });
    const result = runCli(['diff', '--blueprint', 'bp.yaml'], directory);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('node_templates.a.properties.colour');
  });

  test('fails if the blueprint is not YAML, naming the line', () => {
    const directory = makeProject({ 'bp.yaml': 'node_templates:\n  a: [unclosed\n' });
    const result = runCli(['diff', '--blueprint', 'bp.yaml'], directory);
    expect(result.stderr).toMatch(/InvalidBlueprint.*bp\.yaml:\d+:\d+: not valid YAML/);
  });
});
