import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode, HybridError } from '../../core/errors';
import { HYBRID_VERSION } from '../../../synth/synthesize';
import { Flags, ParsedArgs } from '../args';
import { Output } from '../output';

export const HELP = `hybrid init [dir] [--name stack-name]
  Creates a project (package.json, tsconfig.json, main.ts with a small stack, hybrid.json, .gitignore) that synthesizes as is.`;

/** Where this copy of hybrid lives: a published install depends on the version, a checkout on the folder. */
function dependencySpec(): string {
  const root = path.resolve(__dirname, '..', '..', '..', '..');
  const packageRoot = fs.existsSync(path.join(root, 'package.json')) ? root : path.resolve(__dirname, '..', '..', '..');
  return packageRoot.split(path.sep).includes('node_modules') ? `^${HYBRID_VERSION}` : `file:${packageRoot}`;
}

export async function run(args: ParsedArgs, cwd: string): Promise<number> {
  const flags = new Flags(args, ['name', 'json', 'quiet']);
  const out = new Output(flags.boolean('json'), flags.boolean('quiet'));
  const directory = path.resolve(cwd, args.positionals[0] ?? '.');
  const name = flags.string('name') ?? path.basename(directory).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') ?? 'my-stack';
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) {
    throw new HybridError(ErrorCode.UsageError, `the stack name ${JSON.stringify(name)} must be lowercase letters, digits and hyphens starting with a letter; pass --name`);
  }
  const files: { [file: string]: string } = {
    'package.json': JSON.stringify({
      name,
      version: '0.1.0',
      private: true,
      scripts: { synth: 'hybrid synth', diff: 'hybrid diff', deploy: 'hybrid deploy', destroy: 'hybrid destroy' },
      dependencies: { 'hybrid-iac': dependencySpec() },
      devDependencies: { '@types/node': '^20.19.0' },
    }, null, 2) + '\n',
    'tsconfig.json': JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true, types: ['node'] },
      include: ['*.ts'],
    }, null, 2) + '\n',
    'hybrid.json': JSON.stringify({ app: 'main.ts' }, null, 2) + '\n',
    '.gitignore': 'node_modules/\nhybrid.out/\n.hybrid/\n',
    'main.ts': `import { App, Stack, Output } from 'hybrid-iac';
import { LocalFile } from 'hybrid-iac/constructs/local';

// One app, one stack: \`npx hybrid synth\` writes hybrid.out/${name}/blueprint.yaml,
// \`npx hybrid deploy\` creates what the stack describes on this machine.
const app = new App();
const stack = new Stack(app, '${name}');

const greeting = new LocalFile(stack, 'Greeting', {
  path: 'greeting.txt',
  content: 'Hello from hybrid\\n',
});

new Output(stack, 'greetingPath', { value: greeting.absolutePath, description: 'Where the greeting was written' });
`,
  };
  fs.mkdirSync(directory, { recursive: true });
  const existing = Object.keys(files).filter((file) => fs.existsSync(path.join(directory, file)));
  if (existing.length > 0) {
    throw new HybridError(ErrorCode.UsageError, `${directory} already has ${existing.join(', ')}; run hybrid init in an empty directory`);
  }
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(directory, file), content);
  out.data({ type: 'initialized', directory, files: Object.keys(files) });
  out.result(`Created a hybrid project in ${directory}: ${Object.keys(files).join(', ')}.\nNext: cd ${path.relative(cwd, directory) || '.'} && npm install && npx hybrid synth`);
  return 0;
}
