import { ErrorCode, HybridError } from '../../core/errors';
import { isEncrypted, isFingerprint } from '../../engine/secret-box';
import { StateWriter } from '../../engine/state/state-writer';
import { Flags, ParsedArgs } from '../args';
import { Output } from '../output';
import { stateOnly } from '../stack-context';
import * as os from 'os';

export const HELP = `hybrid state list   [--stack s] [--json]
hybrid state show <instance> [--stack s] [--json]
hybrid state unlock [--stack s]
hybrid state forget <instance> --confirm <instance> [--stack s]
  Inspects and repairs recorded state. forget drops an instance from state without touching the real resource.`;

function masked(value: any): any {
  if (isEncrypted(value) || isFingerprint(value)) return '(secret)';
  if (Array.isArray(value)) return value.map(masked);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  return value;
}

export async function run(args: ParsedArgs, cwd: string): Promise<number> {
  const flags = new Flags(args, ['stack', 'json', 'state-dir', 'confirm', 'app', 'blueprint']);
  const out = new Output(flags.boolean('json'), false);
  const [action, target] = args.positionals;
  const { store, stack } = stateOnly(cwd, flags);
  switch (action) {
    case 'list': {
      const state = await store.load();
      const instances = Object.values(state?.instances ?? {}).sort((a, b) => (a.id < b.id ? -1 : 1));
      if (out.json) out.data({ stack, lineage: state?.lineage, serial: state?.serial, instances: instances.map((i) => ({ id: i.id, node: i.node, type: i.type, status: i.status, host: i.host, ...(i.error ? { error: i.error } : {}) })) });
      else {
        out.result(`stack ${stack}: ${instances.length} instances (serial ${state?.serial ?? 0}, lineage ${state?.lineage ?? '-'})`);
        for (const instance of instances) {
          out.result(`  ${instance.id.padEnd(40)} ${instance.status.padEnd(12)} ${instance.type}${instance.pending ? `  (pending ${instance.pending.operation})` : ''}`);
          if (instance.error) out.result(`      last failure: ${instance.error.split('\n')[0]}`);
        }
      }
      return 0;
    }
    case 'show': {
      const state = await store.load();
      const instance = target ? state?.instances[target] : undefined;
      if (!instance) throw new HybridError(ErrorCode.UsageError, `no instance ${JSON.stringify(target)} in stack '${stack}' (see \`hybrid state list\`)`);
      const shown = masked(instance);
      if (out.json) out.data(shown);
      else out.result(JSON.stringify(shown, null, 2));
      return 0;
    }
    case 'unlock': {
      const holder = await store.readLock();
      await store.forceUnlock();
      out.result(holder ? `removed the lock of ${holder.holder}@${holder.host} pid ${holder.pid} (${holder.operation} since ${holder.time})` : 'the stack was not locked');
      return 0;
    }
    case 'forget': {
      if (!target) throw new HybridError(ErrorCode.UsageError, 'hybrid state forget needs the instance id');
      if (flags.string('confirm') !== target) {
        throw new HybridError(ErrorCode.ConfirmationRequired, `forgetting ${target} leaves its real resource unmanaged; confirm with --confirm ${target}`);
      }
      const lock = await store.lock({ holder: os.userInfo().username, host: os.hostname(), pid: process.pid, operation: 'state forget', time: new Date().toISOString() });
      try {
        const state = await store.load();
        if (!state?.instances[target]) throw new HybridError(ErrorCode.UsageError, `no instance ${target} in stack '${stack}'`);
        const dependents = Object.values(state.instances).filter((i) => i.host === target || i.relationships.some((r) => r.target === target));
        if (dependents.length > 0) {
          throw new HybridError(ErrorCode.UsageError, `${target} is still needed by ${dependents.map((d) => d.id).join(', ')}; forget those first`);
        }
        const writer = new StateWriter(store, state);
        await writer.record({ kind: 'forget-instance', id: target }, true);
        await writer.compact();
      } finally {
        await lock.release();
      }
      out.result(`forgot ${target}; its real resource is no longer managed by hybrid`);
      return 0;
    }
    default:
      throw new HybridError(ErrorCode.UsageError, `hybrid state takes list, show, unlock or forget, got ${JSON.stringify(action ?? '')}`);
  }
}
