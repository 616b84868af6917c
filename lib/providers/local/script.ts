/**
 * Scripts as operation implementations (Cloudify's script plugin, run on the deploying machine):
 * a blueprint operation whose implementation is a file next to the blueprint runs that file.
 * Operation inputs arrive as environment variables; `key=value` lines after a
 * `::hybrid-output::` line on stdout become runtime properties.
 */
import * as fs from 'fs';
import { NonRecoverableError, OperationContext, OperationResult } from '../../engine/provider';
import { outputCollector } from './command';
import { formatTail, runShell } from './shell';

const RESERVED_INPUTS = new Set(['script_path', 'process']);

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

async function run(context: OperationContext): Promise<OperationResult> {
  const scriptPath = context.operation.inputs.script_path;
  if (typeof scriptPath !== 'string' || !fs.existsSync(scriptPath)) {
    throw new NonRecoverableError(`the script ${JSON.stringify(scriptPath)} of ${context.operation.name} does not exist`);
  }
  const processOptions = (context.operation.inputs.process ?? {}) as { cwd?: string; env?: { [name: string]: string }; args?: string[]; command_prefix?: string };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HYBRID_STACK: context.stack,
    HYBRID_NODE: context.instance.node,
    HYBRID_INSTANCE_ID: context.instance.id,
    HYBRID_OPERATION: context.operation.name,
    HYBRID_PROPERTIES: JSON.stringify(context.instance.properties),
    ...(context.relationship
      ? { HYBRID_SOURCE_ID: context.relationship.source.id, HYBRID_TARGET_ID: context.relationship.target.id, HYBRID_TARGET_RUNTIME_PROPERTIES: JSON.stringify(context.relationship.target.runtimeProperties) }
      : {}),
    ...(processOptions.env ?? {}),
  };
  for (const [name, value] of Object.entries(context.operation.inputs)) {
    if (!RESERVED_INPUTS.has(name)) env[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const firstLine = fs.readFileSync(scriptPath, 'utf8').split('\n', 1)[0];
  const interpreter = processOptions.command_prefix ?? (firstLine.startsWith('#!') ? firstLine.slice(2).trim() : '/bin/sh');
  const command = [interpreter, quote(scriptPath), ...(processOptions.args ?? []).map(quote)].join(' ');
  const collector = outputCollector(context);
  const result = await runShell(command, {
    cwd: processOptions.cwd ?? context.baseDirectory,
    env,
    signal: context.signal,
    timeoutMs: context.operation.timeoutMs,
    onLine: collector.onLine,
  });
  if (result.stoppedBy) throw new Error(`the script ${scriptPath} was ${result.stoppedBy === 'timeout' ? 'stopped by its timeout' : 'interrupted'}`);
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was killed by ${result.exitSignal}` : `exited with code ${result.exitCode}`;
    throw new Error(`the script ${scriptPath} ${how}; last lines of output:\n${formatTail(result.tail)}`);
  }
  return { runtimeProperties: collector.outputs };
}

export const scriptOperations = { 'hybrid.local.script.run': run };
