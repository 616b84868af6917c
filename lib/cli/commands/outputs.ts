import { ErrorCode, HybridError } from '../../core/errors';
import { SecretBox, isEncrypted } from '../../engine/secret-box';
import { Flags, ParsedArgs } from '../args';
import { Output } from '../output';
import { stateOnly } from '../stack-context';

export const HELP = `hybrid outputs [--stack s] [--json] [--show-secrets]
  Prints the stack's outputs as recorded by the last deploy; secret values stay masked unless --show-secrets.`;

export async function run(args: ParsedArgs, cwd: string): Promise<number> {
  const flags = new Flags(args, ['stack', 'json', 'show-secrets', 'state-dir', 'app', 'blueprint', 'quiet']);
  const out = new Output(flags.boolean('json'), false);
  const { store, stack } = stateOnly(cwd, flags);
  const state = await store.load();
  if (!state) throw new HybridError(ErrorCode.UsageError, `stack '${stack}' has not been deployed`);
  const box = flags.boolean('show-secrets') ? SecretBox.forLineage(state.lineage) : undefined;
  const shown: { [name: string]: any } = {};
  for (const [name, value] of Object.entries(state.outputs)) {
    shown[name] = isEncrypted(value) ? (box ? box.decrypt(value) : '(secret)') : value;
  }
  if (out.json) out.data(shown);
  else for (const [name, value] of Object.entries(shown)) out.result(`${name} = ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return 0;
}
