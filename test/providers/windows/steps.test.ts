/** Packing commands into sessions: `&&` chains with markers, and lines that must end a session. */
import { runSteps } from '../../../lib/providers/windows/steps';
import type { CommandResult, WindowsSession } from '../../../lib/providers/windows/session';

/** A session that records the lines it runs and answers from a script. */
function fakeSession(answer: (line: string) => CommandResult): { session: WindowsSession; lines: string[] } {
  const lines: string[] = [];
  const session = { run: async (line: string) => (lines.push(line), answer(line)) } as unknown as WindowsSession;
  return { session, lines };
}

const echoAll = (line: string): CommandResult => ({ code: 0, stdout: line.split(' && ').filter((part) => part.startsWith('echo')).map(() => '::hybrid-step-done::\r\n').join(''), stderr: '' });

test('steps run in one session, split at the markers', async () => {
  const { session, lines } = fakeSession(echoAll);
  const { results } = await runSteps(session, [{ line: 'a' }, { line: 'b' }, { line: 'c' }], { stopOnFailure: true });
  expect(lines).toEqual(['a && echo ::hybrid-step-done:: && b && echo ::hybrid-step-done:: && c']);
  expect(results.map((result) => result.ran)).toEqual([true, true, true]);
});

test('a step that leaves cmd.exe inside a quoted string ends its session', async () => {
  const { session, lines } = fakeSession(echoAll);
  // commandLine('a', ['x"']) is `a x\"`: one quote, so cmd.exe ends the line inside a string.
  await runSteps(session, [{ line: 'a x\\"' }, { line: 'b' }], { stopOnFailure: true });
  expect(lines).toEqual(['a x\\"', 'b']);
});

test('after a failing step the later ones do not run', async () => {
  const { session } = fakeSession(() => ({ code: 36, stdout: '[SC] OpenService FAILED 1060:\r\n', stderr: '' }));
  const { results } = await runSteps(session, [{ line: 'a' }, { line: 'b' }], { stopOnFailure: true });
  expect(results).toEqual([
    { stdout: '[SC] OpenService FAILED 1060:\r\n', code: 36, ran: true },
    { stdout: '', code: null, ran: false },
  ]);
});

test('the log shows labels instead of lines that carry secrets', async () => {
  const labels: string[] = [];
  const session = { run: async (_line: string, label: string) => (labels.push(label), { code: 0, stdout: '', stderr: '' }) } as unknown as WindowsSession;
  await runSteps(session, [{ line: 'sc.exe config x password= "hunter2"', label: 'sc.exe config (x)' }], { stopOnFailure: true });
  expect(labels).toEqual(['sc.exe config (x)']);
});
