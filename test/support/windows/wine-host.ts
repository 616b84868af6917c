/**
 * A Windows host double: Wine 8 (its real service control manager, cmd.exe, registry) behind a
 * real OpenSSH sshd on a loopback address. Sessions run the client's command line as
 * `C:\windows\system32\cmd.exe /c <command>` (what Windows OpenSSH does with cmd.exe as default
 * shell), exit codes propagate (modulo 256, see SPEC.md), SFTP lands on the Wine C: drive.
 *
 * Layout of a host's temp dir:
 *   prefix/                 WINEPREFIX (a copy of a cached pristine prefix template)
 *   prefix/drive_c/         the C: drive (driveC)
 *   prefix/drive_c/users/<user>/      the session's working directory and SFTP start directory
 *   prefix/drive_c/users/<user>/C:    symlink to drive_c, so SFTP paths "C:/x/y" land on C:\x\y
 *   sshd/, client/, home/, wine-session.sh, wineserver.log, services.log
 *
 * Needs `test/support/windows/install.sh` (wine, wine64, mingw-w64, openssh).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commonSshdOptions, generateKey, launchSshd, prepareSshd, quoteSetEnv, SSHD } from '../ssh/hosts';
import {
  fingerprintOf,
  freePort,
  killOnExit,
  killTree,
  knownHostsPattern,
  pidsWithEnv,
  registerCleanup,
  requireBinaries,
  run,
  RunResult,
  shQuote,
  waitExit,
} from '../ssh/process-util';
import { buildScCompat, buildSshExec, testCacheDir, WINDOWS_INSTALL_SCRIPT } from './build';

export const WINE64 = '/usr/lib/wine/wine64';
export const WINESERVER64 = '/usr/lib/wine/wineserver64';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';
/** no Gecko/Mono install prompts, no desktop menu entries */
const BASE_DLL_OVERRIDES = 'mscoree,mshtml=;winemenubuilder.exe=d';

export interface WindowsTestHost {
  address: string;
  port: number;
  /** login user (the user running the tests; also the Wine user name) */
  user: string;
  /** the client key (OpenSSH format, no passphrase) authorized for login */
  privateKey: string;
  privateKeyPath: string;
  /** "SHA256:..." as OpenSSH prints it */
  hostKeyFingerprint: string;
  /** "ssh-ed25519 AAAA..." */
  hostPublicKey: string;
  /** "[address]:port ssh-ed25519 AAAA..." */
  knownHostsLine: string;
  /** known_hosts file holding knownHostsLine */
  knownHostsFile: string;
  /** WINEPREFIX */
  prefixDir: string;
  /** the Unix directory that is C:\ */
  driveC: string;
  /** C:\users\<user> on Unix: sessions start here, SFTP relative paths resolve here */
  profileDir: string;
  /** the host's temp dir (removed by stop()) */
  tmpDir: string;
  /** which sc.exe the host has: "windows" (sc-compat.c, Windows' output format) or "wine" (Wine's own) */
  sc: 'windows' | 'wine';
  /** `ssh` arguments to reach the host non-interactively with strict host key checking */
  sshArgs(): string[];
  /**
   * Runs a command line in the Wine prefix directly (no SSH): `cmd.exe /c <commandLine>` the
   * same way SSH sessions run it. For test setup and assertions.
   */
  cmd(commandLine: string, opts?: { timeoutMs?: number }): Promise<RunResult>;
  /** Converts a Windows path ("C:\\hybrid\\x.txt", "C:/hybrid/x.txt") to its Unix path. */
  unixPath(windowsPath: string): string;
  /** Ends sshd (and open sessions) and the wineserver with every Wine process, removes tmpDir. */
  stop(): Promise<void>;
}

export interface StartWindowsHostOptions {
  /** loopback address for sshd; default 127.0.0.50 */
  address?: string;
  /** "windows" (default): sc.exe prints what Windows' sc.exe prints; "wine": Wine 8's own sc.exe */
  sc?: 'windows' | 'wine';
  /**
   * System environment variables (HKLM\System\CurrentControlSet\Control\Session Manager\
   * Environment, written into the prefix before it boots): every service and every session sees
   * them, as on Windows. (Wine 8 ignores a service's own `Environment` registry value.)
   */
  systemEnv?: Record<string, string>;
  /** sshd LogLevel; default INFO */
  logLevel?: string;
  keepTmpDir?: boolean;
}

function wineEnv(prefix: string, home: string, sc: 'windows' | 'wine', extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    USER: os.userInfo().username,
    LOGNAME: os.userInfo().username,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    WINEPREFIX: prefix,
    WINELOADER: WINE64,
    WINESERVER: WINESERVER64,
    WINEDEBUG: '-all',
    WINEDLLOVERRIDES: sc === 'windows' ? `${BASE_DLL_OVERRIDES};sc.exe=n` : BASE_DLL_OVERRIDES,
    ...extra,
  };
}

/** Runs a Wine program to completion with stdio to a log file (Wine system processes it starts inherit those fds, never our pipes). */
function runWine(args: string[], env: Record<string, string>, logFile: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(logFile, 'a');
    const child = spawn(WINE64, args, { env, stdio: ['ignore', log, log], cwd: env.HOME });
    fs.closeSync(log);
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wine ${args.join(' ')} did not finish in ${timeoutMs} ms (see ${logFile})`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

/** Wine's serverdir lock: with -w, waits until the prefix's wineserver has exited. */
async function waitWineserverGone(env: Record<string, string>): Promise<void> {
  await run(WINESERVER64, ['-w'], { env, timeoutMs: 60_000 });
}

let templatePromise: Promise<string> | undefined;

/**
 * A pristine Wine prefix made by `wineboot -i` once and cached in the test cache dir
 * (`wine-prefix-<wine version>`); hosts start from a copy. A lock dir keeps parallel jest
 * workers from building it twice.
 */
export function winePrefixTemplate(): Promise<string> {
  templatePromise ??= (async () => {
    const version = (await run(WINE64, ['--version'], { timeoutMs: 30_000 })).stdout.trim().replace(/[^A-Za-z0-9.~+-]/g, '_');
    const cache = testCacheDir();
    const dir = path.join(cache, `wine-prefix-${version}`);
    const done = path.join(dir, '.hybrid-template-complete');
    if (fs.existsSync(done)) return dir;
    const lock = `${dir}.lock`;
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        fs.mkdirSync(lock);
        break;
      } catch {
        if (fs.existsSync(done)) return dir;
        const lockTime = fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
        if (Date.now() - lockTime > 180_000) fs.rmSync(lock, { recursive: true, force: true });
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    try {
      if (fs.existsSync(done)) return dir;
      fs.rmSync(dir, { recursive: true, force: true });
      const home = path.join(cache, 'wine-template-home');
      fs.mkdirSync(home, { recursive: true });
      const env = wineEnv(dir, home, 'wine');
      const t0 = Date.now();
      const code = await runWine(['wineboot', '-i'], env, path.join(cache, 'wineboot.log'), 170_000);
      if (code !== 0) throw new Error(`wineboot -i exited with ${code} (see ${path.join(cache, 'wineboot.log')})`);
      await waitWineserverGone(env);
      fs.writeFileSync(done, `wineboot -i took ${Date.now() - t0} ms\n`);
      return dir;
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  })();
  templatePromise.catch(() => (templatePromise = undefined));
  return templatePromise;
}

/** Large PE files Wine never writes to are hard-linked from the template; everything else is copied. */
const LINKABLE = /\.(dll|exe|sys|drv|ocx|cpl|acm|ax|ds|tlb|nls|ttf|ttc|fon|mui|com)$/i;

function copyPrefix(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.name === '.hybrid-template-complete') continue;
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(src), dst);
    } else if (entry.isDirectory()) {
      copyPrefix(src, dst);
    } else if (entry.isFile()) {
      if (LINKABLE.test(entry.name)) {
        try {
          fs.linkSync(src, dst);
          continue;
        } catch {
          // other file system: copy
        }
      }
      fs.copyFileSync(src, dst);
    }
  }
}

/** Adds REG_SZ values to Session Manager\Environment in a (not running) prefix's system.reg. */
function addSystemEnvironment(systemReg: string, vars: Record<string, string>): void {
  const text = fs.readFileSync(systemReg, 'utf8');
  const header = '[System\\\\CurrentControlSet\\\\Control\\\\Session Manager\\\\Environment]';
  const at = text.indexOf(header);
  if (at < 0) throw new Error(`no Session Manager\\Environment key in ${systemReg}`);
  let lineEnd = text.indexOf('\n', at) + 1;
  if (text.startsWith('#time=', lineEnd)) lineEnd = text.indexOf('\n', lineEnd) + 1;
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const lines = Object.entries(vars).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_()]*$/.test(k)) throw new Error(`systemEnv: bad variable name ${k}`);
    if (!/^[\x20-\x7e]*$/.test(v)) throw new Error(`systemEnv: ${k} must be printable ASCII`);
    return `"${esc(k)}"="${esc(v)}"\n`;
  });
  fs.writeFileSync(systemReg, text.slice(0, lineEnd) + lines.join('') + text.slice(lineEnd));
}

function sessionWrapper(o: { profileDir: string; sshExec: string; sftpCommand: string }): string {
  return `#!/bin/sh
# ForceCommand of the hybrid Wine test host: SFTP runs OpenSSH's sftp-server in C:\\users\\<user>;
# every other session runs the client's command line under cmd.exe /c inside Wine.
if [ "\${SSH_ORIGINAL_COMMAND:-}" = '${o.sftpCommand}' ]; then
  exec ${o.sftpCommand}
fi
cd '${o.profileDir}' || exit 1
HYBRID_SSH_COMMAND="\${SSH_ORIGINAL_COMMAND:-}"
export HYBRID_SSH_COMMAND
unset SSH_ORIGINAL_COMMAND DISPLAY WAYLAND_DISPLAY
exec ${WINE64} '${o.sshExec}'
`;
}

export async function startWindowsHost(opts: StartWindowsHostOptions = {}): Promise<WindowsTestHost> {
  requireBinaries([WINE64, WINESERVER64, 'x86_64-w64-mingw32-gcc', SSHD, 'ssh-keygen'], WINDOWS_INSTALL_SCRIPT);
  prepareSshd();
  const sc = opts.sc ?? 'windows';
  const address = opts.address ?? '127.0.0.50';
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) throw new Error('startWindowsHost: address must be a loopback address (127.x.x.x)');
  const user = os.userInfo().username;

  const [template, sshExec, scCompat] = await Promise.all([winePrefixTemplate(), buildSshExec(), buildScCompat()]);

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-wine-'));
  const prefixDir = path.join(tmpDir, 'prefix');
  const home = path.join(tmpDir, 'home');
  const sshdDir = path.join(tmpDir, 'sshd');
  const clientDir = path.join(tmpDir, 'client');
  let wineserver: ChildProcess | undefined;
  let sshd: ChildProcess | undefined;
  const forget: Array<() => void> = [];
  const env = wineEnv(prefixDir, home, sc);

  const stopAll = async () => {
    if (sshd?.pid) {
      await killTree(sshd.pid);
      await waitExit(sshd);
    }
    if (wineserver) {
      // -k kills every process of this prefix's session; then the server itself exits.
      // (Killing only the server would leave services.exe and friends running.)
      await run(WINESERVER64, ['-k'], { env, timeoutMs: 15_000 }).catch(() => undefined);
      await waitExit(wineserver, 5000);
      if (wineserver.pid && wineserver.exitCode === null && wineserver.signalCode === null) await killTree(wineserver.pid);
    }
    // Anything of this prefix still alive (a process that missed the server going away).
    for (const pid of pidsWithEnv('WINEPREFIX', prefixDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    forget.forEach((f) => f());
  };

  try {
    for (const d of [home, sshdDir]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    fs.mkdirSync(clientDir, { mode: 0o700 });
    copyPrefix(template, prefixDir);
    const driveC = path.join(prefixDir, 'drive_c');
    const profileDir = path.join(driveC, 'users', user);
    fs.mkdirSync(profileDir, { recursive: true });
    fs.symlinkSync('../..', path.join(profileDir, 'C:'));
    if (opts.systemEnv) addSystemEnvironment(path.join(prefixDir, 'system.reg'), opts.systemEnv);
    if (sc === 'windows') {
      const scExe = path.join(driveC, 'windows', 'system32', 'sc.exe');
      fs.rmSync(scExe, { force: true }); // unlink the template's hard link before writing
      fs.copyFileSync(scCompat, scExe);
    }

    // The wineserver, persistent until stop(); then the session's system processes, started
    // here with stdio to a log file so that no SSH session ever holds them.
    const wsLog = fs.openSync(path.join(tmpDir, 'wineserver.log'), 'a');
    wineserver = spawn(WINESERVER64, ['-f', '-p'], { env, stdio: ['ignore', wsLog, wsLog] });
    fs.closeSync(wsLog);
    wineserver.unref();
    // if the test process dies without stop(): take the Wine session down with it
    forget.push(registerCleanup(`WINEPREFIX=${shQuote(prefixDir)} ${WINESERVER64} -k; killtree ${wineserver.pid}`));
    const code = await runWine(['cmd', '/c', 'echo', 'ready'], env, path.join(tmpDir, 'services.log'), 120_000);
    if (code !== 0) throw new Error(`wine cmd /c echo ready exited with ${code} (see ${tmpDir}/services.log)`);

    // sshd
    const [client, hostKey] = await Promise.all([
      generateKey(path.join(clientDir, 'id_ed25519'), 'hybrid-test-client'),
      generateKey(path.join(sshdDir, 'ssh_host_ed25519_key'), 'hybrid-test-windows-host'),
    ]);
    const authorizedKeys = path.join(clientDir, 'authorized_keys');
    fs.writeFileSync(authorizedKeys, client.publicKey + '\n', { mode: 0o600 });
    const sftpCommand = `${SFTP_SERVER} -d ${profileDir}`;
    if (/[\s'"\\$`]/.test(profileDir)) throw new Error(`temp path ${profileDir} holds characters the session wrapper cannot quote`);
    const wrapper = path.join(tmpDir, 'wine-session.sh');
    fs.writeFileSync(wrapper, sessionWrapper({ profileDir, sshExec, sftpCommand }), { mode: 0o755 });
    const publicKey = hostKey.publicKey.split(/\s+/).slice(0, 2).join(' ');
    const configFile = path.join(sshdDir, 'sshd_config');
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freePort(address);
      fs.writeFileSync(
        configFile,
        [
          '# sshd for the hybrid Wine (Windows) test host',
          `ListenAddress ${address}:${port}`,
          `HostKey ${sshdDir}/ssh_host_ed25519_key`,
          `PidFile ${sshdDir}/sshd.pid`,
          `AuthorizedKeysFile ${authorizedKeys}`,
          ...commonSshdOptions(opts.logLevel ?? 'INFO'),
          `SetEnv ${Object.entries(env).map(([k, v]) => quoteSetEnv(k, v)).join(' ')}`,
          `ForceCommand ${wrapper}`,
          `Subsystem sftp ${sftpCommand}`,
          '',
        ].join('\n'),
      );
      try {
        sshd = await launchSshd(configFile, path.join(sshdDir, 'sshd.log'), `windows host ${address}`);
        break;
      } catch (e) {
        if (attempt >= 3 || !/Address already in use|Cannot bind any address/.test(String(e))) throw e;
      }
    }
    forget.push(killOnExit(sshd.pid!));
    const knownHostsLine = `${knownHostsPattern(address, port)} ${publicKey}`;
    const knownHostsFile = path.join(clientDir, 'known_hosts');
    fs.writeFileSync(knownHostsFile, knownHostsLine + '\n');
    const privateKeyPath = path.join(clientDir, 'id_ed25519');

    const unixPath = (windowsPath: string): string => {
      const m = /^([A-Za-z]):[\\/]?(.*)$/.exec(windowsPath.replace(/^[\\/](?=[A-Za-z]:)/, ''));
      if (!m || m[1].toUpperCase() !== 'C') throw new Error(`not a C: path: ${windowsPath}`);
      return path.join(driveC, ...m[2].split(/[\\/]+/).filter(Boolean));
    };

    let stopped = false;
    return {
      address,
      port,
      user,
      privateKey: client.privateKey,
      privateKeyPath,
      hostKeyFingerprint: fingerprintOf(publicKey),
      hostPublicKey: publicKey,
      knownHostsLine,
      knownHostsFile,
      prefixDir,
      driveC,
      profileDir,
      tmpDir,
      sc,
      sshArgs: () => [
        '-i', privateKeyPath,
        '-o', `UserKnownHostsFile=${knownHostsFile}`,
        '-o', 'GlobalKnownHostsFile=/dev/null',
        '-o', 'StrictHostKeyChecking=yes',
        '-o', 'IdentitiesOnly=yes',
        '-o', 'BatchMode=yes',
        '-o', 'ConnectTimeout=5',
        '-F', '/dev/null',
        '-p', String(port),
        `${user}@${address}`,
      ],
      cmd: (commandLine, o = {}) =>
        run(WINE64, [sshExec], { env: { ...env, HYBRID_SSH_COMMAND: commandLine }, cwd: profileDir, timeoutMs: o.timeoutMs ?? 60_000 }),
      unixPath,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopAll();
        if (!opts.keepTmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopAll();
    if (!opts.keepTmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    throw e;
  }
}
