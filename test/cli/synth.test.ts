import * as fs from 'fs';
import * as path from 'path';
import { assertBuilt, makeProject, runCli } from './support';

const PROGRAM = `
import { App, Stack, Input, InputType, Output, NodeTemplate, Fn } from 'hybrid-iac';
const app = new App();
const stack = new Stack(app, 'shop');
const size = new Input(stack, 'size', { type: InputType.INTEGER, default: 2 });
const db = new NodeTemplate(stack, 'Database', { type: 'hybrid.nodes.local.File', properties: { path: 'db.txt', content: 'db' } });
const web = new NodeTemplate(stack, 'WebServer', { type: 'hybrid.nodes.local.File', properties: { path: 'web.txt', content: Fn.concat('db at ', db.attr('path')) } });
new Output(stack, 'webPath', { value: web.attr('path') });
void size;
`;

beforeAll(assertBuilt);

describe('hybrid synth', () => {
  test('writes the blueprint, the types file and a manifest under hybrid.out/<stack>', () => {
    const project = makeProject({ 'main.ts': PROGRAM });
    const result = runCli(['synth'], project);
    expect(result.code).toBe(0);
    const files = fs.readdirSync(path.join(project, 'hybrid.out', 'shop')).sort();
    expect(files).toEqual(['blueprint.yaml', 'hybrid-types.yaml', 'manifest.json']);
  });

  test('prints the blueprint it wrote', () => {
    const project = makeProject({ 'main.ts': PROGRAM });
    expect(runCli(['synth'], project).stdout).toContain('shop: hybrid.out/shop/blueprint.yaml (2 node templates');
  });

  test('writes byte-identical files on every run', () => {
    const project = makeProject({ 'main.ts': PROGRAM });
    runCli(['synth'], project);
    const first = fs.readFileSync(path.join(project, 'hybrid.out', 'shop', 'blueprint.yaml'), 'utf8');
    runCli(['synth'], project);
    expect(fs.readFileSync(path.join(project, 'hybrid.out', 'shop', 'blueprint.yaml'), 'utf8')).toBe(first);
  });

  test('reports what it wrote as JSON with --json', () => {
    const project = makeProject({ 'main.ts': PROGRAM });
    const line = JSON.parse(runCli(['synth', '--json'], project).stdout.trim().split('\n')[0]);
    expect(line).toMatchObject({ type: 'synthesized', stack: 'shop', nodeTemplates: 2 });
  });

  test('writes to the directory --output names', () => {
    const project = makeProject({ 'main.ts': PROGRAM });
    runCli(['synth', '--output', 'elsewhere'], project);
    expect(fs.existsSync(path.join(project, 'elsewhere', 'shop', 'blueprint.yaml'))).toBe(true);
  });

  test('fails if --stack names a stack the program does not have', () => {
    const project = makeProject({ 'main.ts': PROGRAM });
    const result = runCli(['synth', '--stack', 'nope'], project);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("the program has no stack 'nope' (stacks: shop)");
  });

  test('fails if the program throws, naming its file and line', () => {
    const project = makeProject({ 'main.ts': `import { App } from 'hybrid-iac';\nnew App();\nthrow new Error('boom');\n` });
    const result = runCli(['synth'], project);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ProgramFailed.*main\.ts:3:\d+.*boom/);
  });

  test('fails if a construct gets an undeclared property, naming the construct and the line that created it', () => {
    const project = makeProject({
      'main.ts': `import { App, Stack, NodeTemplate } from 'hybrid-iac';\nconst stack = new Stack(new App(), 's');\nnew NodeTemplate(stack, 'F', { type: 'hybrid.nodes.local.File', properties: { path: 'x', colour: 'red' } });\n`,
    });
    const result = runCli(['synth'], project);
    expect(result.stderr).toMatch(/UnknownProperty.*s\/F: property 'colour'.*main\.ts:3/s);
  });

  test('fails if there is no hybrid.json, saying how to start', () => {
    const project = makeProject({ 'hybrid.json': '{"app": "main.ts"}' });
    fs.rmSync(path.join(project, 'hybrid.json'));
    const result = runCli(['synth'], project);
    expect(result.stderr).toContain('run `hybrid init`');
  });

  test('fails with file:line when --typecheck finds a type error', () => {
    const project = makeProject({
      'main.ts': `import { App, Stack } from 'hybrid-iac';\nconst stack: number = new Stack(new App(), 's');\n`,
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', noEmit: true, skipLibCheck: true, types: [] }, include: ['main.ts'] }),
    });
    const result = runCli(['synth', '--typecheck'], project);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/TypeCheckFailed[\s\S]*main\.ts:2:7: error TS2322/);
  });
});

describe('hybrid --version', () => {
  test('prints the package version', () => {
    const result = runCli(['--version'], process.cwd());
    expect(result.stdout.trim()).toBe(require('../../package.json').version);
  });
});

describe('hybrid init', () => {
  test('scaffolds a project that synthesizes as is', () => {
    const project = makeProject({ 'hybrid.json': '{}' });
    fs.rmSync(path.join(project, 'hybrid.json'));
    const init = runCli(['init', 'app', '--name', 'hello'], project);
    expect(init.code).toBe(0);
    const app = path.join(project, 'app');
    fs.symlinkSync(path.join(project, 'node_modules'), path.join(app, 'node_modules'));
    const synth = runCli(['synth'], app);
    expect(synth.stdout).toContain('hello: hybrid.out/hello/blueprint.yaml');
  });

  test('fails if the directory already holds a project', () => {
    const project = makeProject({ 'main.ts': PROGRAM });
    expect(runCli(['init', '.'], project).stderr).toContain('already has hybrid.json, main.ts');
  });
});
