/**
 * Several commands in one SSH session: each session starts processes on the host (cmd.exe and
 * the command), which is most of an operation's time, so commands that belong together run in
 * one command line, `cmd1 && echo <marker> && cmd2 ...`, and the output is split at the markers.
 *
 * A command whose arguments hold an odd number of double quotes leaves cmd.exe inside a quoted
 * string (see quoting.ts), where `&&` would be plain text: such a command always ends its line.
 */
import { WindowsSession } from './session';

const MARKER = '::hybrid-step-done::';

export interface Step {
  /** The command line, built with quoting.ts. */
  readonly line: string;
  /** What the log shows for it (the line itself may carry a password). @default the line */
  readonly label?: string;
}

export interface StepResult {
  readonly stdout: string;
  /** Exit status of the line when this step ran last in it, else 0 (it was followed by a marker). */
  readonly code: number | null;
  /** False when the step did not run because an earlier one failed. */
  readonly ran: boolean;
}

/** True when cmd.exe is inside a quoted string at the end of the line. */
function endsQuoted(line: string): boolean {
  return ((line.match(/"/g) ?? []).length & 1) === 1;
}

/**
 * Runs the steps in order, as few sessions as possible, stopping at the first that fails (with
 * `stopOnFailure`) or running every one (`&` instead of `&&`). Returns one result per step;
 * stderr of the whole run is joined.
 */
export async function runSteps(session: WindowsSession, steps: ReadonlyArray<Step>, options: { stopOnFailure: boolean }): Promise<{ results: StepResult[]; stderr: string }> {
  const results: StepResult[] = [];
  let stderr = '';
  let index = 0;
  const joiner = options.stopOnFailure ? ' && ' : ' & ';
  while (index < steps.length) {
    const group: Step[] = [];
    while (index < steps.length) {
      const step = steps[index++];
      group.push(step);
      if (endsQuoted(step.line)) break;
    }
    const line = group.map((step, position) => (position < group.length - 1 ? `${step.line}${joiner}echo ${MARKER}` : step.line)).join(joiner);
    const result = await session.run(line, group.map((step) => step.label ?? step.line).join(joiner));
    stderr += result.stderr;
    const chunks = result.stdout.split(new RegExp(`${MARKER}\\r?\\n?`));
    group.forEach((_step, position) => {
      const ran = position < chunks.length;
      const last = position === chunks.length - 1;
      results.push({ stdout: ran ? chunks[position] : '', code: !ran ? null : last ? result.code : 0, ran });
    });
    if (options.stopOnFailure && chunks.length < group.length) break;
    if (options.stopOnFailure && result.code !== 0 && chunks.length === group.length) break;
  }
  while (results.length < steps.length) results.push({ stdout: '', code: null, ran: false });
  return { results, stderr };
}
