/**
 * Reading sc.exe's output in the format Windows prints it (test/support/windows/SPEC.md, "sc.exe"),
 * trailing spaces and CRLF included.
 */
import { describeExit, parseFailure, parseStatus } from '../../../lib/providers/windows/sc';

const RUNNING = [
  '',
  'SERVICE_NAME: hybridtest ',
  '        TYPE               : 10  WIN32_OWN_PROCESS  ',
  '        STATE              : 4  RUNNING ',
  '                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)',
  '        WIN32_EXIT_CODE    : 0  (0x0)',
  '        SERVICE_EXIT_CODE  : 0  (0x0)',
  '        CHECKPOINT         : 0x0',
  '        WAIT_HINT          : 0x0',
  '        PID                : 1234',
  '        FLAGS              : ',
  '',
].join('\r\n');

const FAILED_TO_START = [
  'SERVICE_NAME: failing ',
  '        TYPE               : 10  WIN32_OWN_PROCESS  ',
  '        STATE              : 1  STOPPED ',
  '        WIN32_EXIT_CODE    : 1066  (0x42a)',
  '        SERVICE_EXIT_CODE  : 3  (0x3)',
  '',
].join('\r\n');

test('a queryex block gives the name, state and process id', () => {
  expect(parseStatus(RUNNING)).toEqual({ name: 'hybridtest', state: 'RUNNING', win32ExitCode: 0, serviceExitCode: 0, pid: 1234 });
});

test('a stopped service gives both exit codes', () => {
  expect(parseStatus(FAILED_TO_START)).toMatchObject({ state: 'STOPPED', win32ExitCode: 1066, serviceExitCode: 3 });
});

test('a service-specific exit is described by its own code', () => {
  expect(describeExit(parseStatus(FAILED_TO_START)!)).toBe('exit code 3 (service-specific; WIN32_EXIT_CODE 1066: The service has returned a service-specific error code.)');
});

test('a Win32 exit is described by its meaning', () => {
  expect(describeExit({ name: 'x', state: 'STOPPED', win32ExitCode: 1067, serviceExitCode: 0 })).toBe('exit code 1067 (The process terminated unexpectedly.)');
});

test('a failure gives the function, the code and the system message', () => {
  const output = '[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n\r\n';
  expect(parseFailure(output)).toEqual({ operation: 'EnumQueryServicesStatus:OpenService', code: 1060, message: 'The specified service does not exist as an installed service.' });
});

test('output without a failure line is no failure', () => {
  expect(parseFailure(RUNNING)).toBeUndefined();
});

test('output without a status block has no status', () => {
  expect(parseStatus('[SC] DeleteService SUCCESS\r\n')).toBeUndefined();
});
