/** `hybrid execute-operation` on a hand-written blueprint whose maintenance operation is a script. */
import * as fs from 'fs';
import * as path from 'path';
import { assertBuilt, makeProject, runCli } from './support';

const BLUEPRINT = [
  'tosca_definitions_version: cloudify_dsl_1_4',
  'imports: [cloudify/types/types.yaml, hybrid-types.yaml]',
  'node_templates:',
  '  job:',
  '    type: cloudify.nodes.Root',
  '    interfaces:',
  '      maintenance:',
  '        rotate: { implementation: scripts/rotate.sh, inputs: { KEEP: "3" } }',
  '  other:',
  '    type: cloudify.nodes.Root',
  'outputs:',
  '  rotated: { value: { get_attribute: [job, rotated] } }',
].join('\n');

let directory: string;

beforeAll(() => {
  assertBuilt();
  directory = makeProject({
    'hybrid.json': '{"app": "none.ts"}',
    'bp/scripts/rotate.sh': 'echo "keep=$KEEP label=${LABEL:-none}" >> rotations.txt\necho ::hybrid-output::\necho rotated=yes\n',
    'bp/blueprint.yaml': BLUEPRINT,
  });
  const deployed = runCli(['deploy', '--blueprint', 'bp/blueprint.yaml', '--yes'], directory);
  if (deployed.code !== 0) throw new Error(`deploy failed:\n${deployed.stdout}${deployed.stderr}`);
});

afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

const rotations = () => (fs.existsSync(path.join(directory, 'bp', 'rotations.txt')) ? fs.readFileSync(path.join(directory, 'bp', 'rotations.txt'), 'utf8') : '');

describe('hybrid execute-operation', () => {
  test("runs the operation with its declared inputs and the kwargs, skips the node without it, and records what it published", () => {
    const result = runCli(['execute-operation', 'maintenance.rotate', '--blueprint', 'bp/blueprint.yaml', '--kwargs', '{"LABEL": "nightly"}'], directory);
    const outputs = runCli(['outputs', '--blueprint', 'bp/blueprint.yaml'], directory);
    expect([result.code, rotations(), result.stdout.includes('skipped (no maintenance.rotate): other_0'), outputs.stdout.trim()]).toEqual([0, 'keep=3 label=nightly\n', true, 'rotated = yes']);
  });

  test('refuses (usage error) a kwarg that replaces a declared input unless allowed, running nothing', () => {
    const before = rotations();
    const refused = runCli(['execute-operation', 'maintenance.rotate', '--blueprint', 'bp/blueprint.yaml', '--kwargs', '{"KEEP": "9"}'], directory);
    expect([refused.code, refused.stderr, rotations()]).toEqual([64, expect.stringContaining('declares the inputs KEEP: replace them with --allow-kwargs-override'), before]);
  });

  test('with --allow-kwargs-override, the kwarg replaces the declared input', () => {
    const before = rotations();
    const result = runCli(['execute-operation', 'maintenance.rotate', '--blueprint', 'bp/blueprint.yaml', '--kwargs', '{"KEEP": "9"}', '--allow-kwargs-override'], directory);
    expect([result.code, rotations().slice(before.length)]).toEqual([0, 'keep=9 label=none\n']);
  });

  test('fails (usage error) if --kwargs is not a JSON object, saying what it expects', () => {
    const result = runCli(['execute-operation', 'maintenance.rotate', '--blueprint', 'bp/blueprint.yaml', '--kwargs', 'KEEP=9'], directory);
    expect([result.code, result.stderr]).toEqual([64, expect.stringContaining('--kwargs must be a JSON object')]);
  });
});
