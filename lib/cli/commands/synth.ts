import * as path from 'path';
import { HYBRID_VERSION } from '../../../synth/synthesize';
import { Flags, ParsedArgs } from '../args';
import { Output } from '../output';
import { resolveProject } from '../project';
import { synthesizeProgram, writeStacks } from '../program';
import { typecheck } from '../typecheck';

export const HELP = `hybrid synth [--app main.ts] [--output dir] [--stack name] [--typecheck] [--quiet] [--json]
  Runs the program named in hybrid.json and writes each stack's blueprint to hybrid.out/<stack>/.`;

export async function run(args: ParsedArgs, cwd: string): Promise<number> {
  const flags = new Flags(args, ['app', 'output', 'stack', 'typecheck', 'quiet', 'json']);
  const out = new Output(flags.boolean('json'), flags.boolean('quiet'));
  const started = Date.now();
  const project = resolveProject(cwd, flags.string('app'), flags.string('output'));
  if (flags.boolean('typecheck')) {
    const { durationMs } = typecheck(project.directory, project.app);
    out.info(`type check passed (${durationMs} ms)`);
  }
  const stacks = synthesizeProgram(project.app, flags.string('stack'), project.directory);
  const written = writeStacks(project.output, stacks, HYBRID_VERSION);
  const durationMs = Date.now() - started;
  for (const stack of written) {
    const nodes = Object.keys(stacks.find((s) => s.stackName === stack.stack)!.blueprint.node_templates).length;
    out.data({ type: 'synthesized', stack: stack.stack, blueprint: stack.blueprint, files: stack.files, nodeTemplates: nodes });
    if (!flags.boolean('quiet')) out.result(`${stack.stack}: ${path.relative(cwd, stack.blueprint) || stack.blueprint} (${nodes} node templates, ${stack.files.length} files)`);
  }
  out.info(`synthesized ${written.length} stack${written.length === 1 ? '' : 's'} in ${durationMs} ms`);
  return 0;
}
