/**
 * Compiles the small Windows programs of the Wine test host with x86_64-w64-mingw32-gcc, once:
 * the output is cached in `<os.tmpdir()>/hybrid-test-cache/` under a name holding the hash of
 * the source and the compiler flags, so later runs (and parallel jest workers) reuse it.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBinaries, runOk } from '../ssh/process-util';

export const WINDOWS_INSTALL_SCRIPT = 'test/support/windows/install.sh';
export const MINGW_GCC = 'x86_64-w64-mingw32-gcc';
const FLAGS = ['-municode', '-O2', '-s', '-Wall'];

/** `<os.tmpdir()>/hybrid-test-cache` (or $HYBRID_TEST_CACHE_DIR) */
export function testCacheDir(): string {
  const dir = process.env.HYBRID_TEST_CACHE_DIR ?? path.join(os.tmpdir(), 'hybrid-test-cache');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Compiles `sourceFile` (C, wmain) to a 64-bit Windows console .exe; returns its cached path. */
export async function buildWindowsExe(sourceFile: string, name: string): Promise<string> {
  requireBinaries([MINGW_GCC], WINDOWS_INSTALL_SCRIPT);
  const source = fs.readFileSync(sourceFile);
  const hash = crypto.createHash('sha256').update(source).update(FLAGS.join(' ')).digest('hex').slice(0, 16);
  const out = path.join(testCacheDir(), `${name}-${hash}.exe`);
  if (fs.existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
  try {
    await runOk(MINGW_GCC, [...FLAGS, '-o', tmp, sourceFile], { timeoutMs: 120_000 });
    fs.renameSync(tmp, out); // atomic: a parallel build of the same source writes the same bytes
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return out;
}

/**
 * The test service (test-service.c): `svc.exe [MARKER-PATH] [--fail-with N] [--start-delay MS]
 * [--stop-delay MS] [ARGS...]` -- see SPEC.md. Returns the path of the cached .exe on this
 * machine; upload it to the Windows host (SFTP) or copy it into WindowsTestHost.driveC.
 */
export function buildTestService(): Promise<string> {
  return buildWindowsExe(path.join(__dirname, 'test-service.c'), 'hybrid-test-service');
}

export function buildSshExec(): Promise<string> {
  return buildWindowsExe(path.join(__dirname, 'ssh-exec.c'), 'hybrid-ssh-exec');
}

export function buildScCompat(): Promise<string> {
  return buildWindowsExe(path.join(__dirname, 'sc-compat.c'), 'hybrid-sc-compat');
}
