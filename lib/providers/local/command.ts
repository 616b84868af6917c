/**
 * `hybrid.nodes.local.Command`: shell commands run on the deploying machine on create, update
 * and delete. A command may publish attributes by printing a `::hybrid-output::` line and then
 * `key=value` lines on stdout.
 */
import { NonRecoverableError, OperationContext, OperationResult, ReadResult } from '../../engine/provider';
import { envProperty, stringProperty, workingDirectory } from './properties';
import { formatTail, OutputStream, runShell } from './shell';

/** The stdout line after which `key=value` lines become runtime properties. */
export const OUTPUT_MARKER = '::hybrid-output::';
/** The runtime property create records: the only evidence that a command ran. */
export const RAN_AT = 'ran_at';


type Phase = 'create' | 'update' | 'delete';

/**
 * Splits a command's output into log lines and the `key=value` attributes it prints after the
 * `::hybrid-output::` marker line on stdout (commands and scripts share this protocol).
 */
export function outputCollector(context: OperationContext): { outputs: { [key: string]: string }; onLine: (stream: OutputStream, line: string) => void } {
  const outputs: { [key: string]: string } = {};
  let afterMarker = false;
  return {
    outputs,
    onLine: (stream, line) => {
      if (stream === 'stdout' && line.trim() === OUTPUT_MARKER) {
        afterMarker = true;
        return;
      }
      const output = stream === 'stdout' && afterMarker ? OUTPUT_LINE.exec(line) : null;
      if (output) {
        outputs[output[1]] = output[2];
        context.log('debug', `output ${output[1]} recorded`);
        return;
      }
      context.log('info', line);
    },
  };
}

const OUTPUT_LINE = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/;

/**
 * Runs the command in property `phase` and returns the outputs it printed. Throws with the exit
 * code and the last output lines when it fails, is killed by the timeout, or is interrupted.
 */
async function runPhase(context: OperationContext, phase: Phase, command: string): Promise<{ [key: string]: string }> {
  const env = { ...process.env, ...envProperty(context) };
  const cwd = await workingDirectory(context);
  const collector = outputCollector(context);

  context.log('debug', `running the ${phase} command in ${cwd}`);
  const result = await runShell(command, {
    cwd,
    env,
    signal: context.signal,
    timeoutMs: context.operation.timeoutMs,
    onLine: collector.onLine,
  });
  const outputs = collector.outputs;

  const lastLines = `last lines of output:\n${formatTail(result.tail)}`;
  if (result.stoppedBy === 'abort') {
    throw new Error(`the ${phase} command was interrupted; its process group was killed`);
  }
  if (result.stoppedBy === 'timeout') {
    throw new Error(`the ${phase} command timed out after ${seconds(context.operation.timeoutMs)} s and its process group was killed; ${lastLines}`);
  }
  if (result.exitCode === 127 || result.exitCode === 126) {
    // The shell's codes for "command not found" and "found but not executable": retrying cannot help.
    const meaning = result.exitCode === 127 ? 'a program it runs was not found' : 'a program it runs is not executable';
    throw new NonRecoverableError(`the ${phase} command exited with code ${result.exitCode} (${meaning}); ${lastLines}`);
  }
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was killed by ${result.exitSignal}` : `exited with code ${result.exitCode}`;
    throw new Error(`the ${phase} command ${how}; ${lastLines}`);
  }
  return outputs;
}

/** Runs the create command; records its outputs and the time it ran. */
async function create(context: OperationContext): Promise<OperationResult> {
  const command = stringProperty(context, 'create');
  if (command.trim() === '') throw new NonRecoverableError("property 'create' must be a non-empty shell command");
  const outputs = await runPhase(context, 'create', command);
  return { runtimeProperties: withRanAt(context, outputs) };
}

/**
 * Runs the update command. With no update command, a change runs the create command again: the
 * engine gives us only the new properties, so the old delete command is not known here.
 */
async function update(context: OperationContext): Promise<OperationResult> {
  const command = stringProperty(context, 'update');
  if (command.trim() === '') {
    context.log('info', 'no update command: running the create command again');
    return create(context);
  }
  const outputs = await runPhase(context, 'update', command);
  return { runtimeProperties: withRanAt(context, outputs) };
}

/** Runs the delete command; nothing to do when there is none. */
async function remove(context: OperationContext): Promise<OperationResult> {
  const command = stringProperty(context, 'delete');
  if (command.trim() === '') return {};
  await runPhase(context, 'delete', command);
  return {};
}

/**
 * A command leaves nothing hybrid can observe, so "exists" means only that create ran to the end
 * (it recorded RAN_AT), and there is never drift to report.
 */
async function read(context: OperationContext): Promise<ReadResult> {
  return { exists: context.instance.runtimeProperties[RAN_AT] !== undefined };
}

function withRanAt(context: OperationContext, outputs: { [key: string]: string }): { [key: string]: string } {
  if (RAN_AT in outputs) context.log('warn', `the output '${RAN_AT}' is reserved by hybrid and was ignored`);
  return { ...outputs, [RAN_AT]: new Date().toISOString() };
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1);
}

export const commandOperations = {
  'hybrid.local.command.create': create,
  'hybrid.local.command.update': update,
  'hybrid.local.command.delete': remove,
  'hybrid.local.command.read': read,
};
