/**
 * VM simulator for the OpenStack test cloud: makes the fake driver's servers "real" enough to log
 * in to over SSH.
 *
 * Nova's fake virt driver makes servers ACTIVE without any VM. Floating IPs of the test cloud are
 * loopback addresses (external network `public`, 127.100.0.0/16), so a real sshd can bind to one.
 * The simulator polls the project (every `pollMs`, default 250 ms) and, for each server that is
 * ACTIVE (and not being deleted) **and** has a floating IP on one of its ports (found in Neutron:
 * the project's ports by `device_id`, the floating IPs by `port_id`; Nova's `addresses` do not
 * reliably show floating IPs), runs a real OpenSSH sshd on `<floating ip>:<sshPort>`. A server
 * without a floating IP whose fixed IP is a loopback address (a tenant subnet in 127.0.0.0/8,
 * which Neutron allows with DHCP off) gets its sshd on `<fixed ip>:<sshPort>`, where a bastion
 * inside its network reaches it. Each VM has:
 *
 * - authorized_keys holds the public key of the server's key pair (`server.key_name` ->
 *   `GET /os-keypairs/<name>?user_id=<server.user_id>`); a server without a key pair gets an empty
 *   one (nobody can log in, as on a real image without keys);
 * - its own generated ed25519 host key;
 * - the session environment of an SSH test host (test/support/ssh/SPEC.md): sessions run as the
 *   current user (root in CI; log in as `os.userInfo().username`), HOME and cwd
 *   `<tmp>/hosts/<dir>/root`, `<tmp>/hosts/<dir>/bin` first on PATH, HYBRID_TEST_HOST_ROOT,
 *   HYBRID_TEST_HOST_NAME (server name), HYBRID_TEST_HOST_ADDRESS (the **fixed IP** of the port
 *   holding the floating IP: the VM's own interface address, what kubeadm advertises),
 *   HYBRID_TEST_HOST_BIN, HYBRID_TEST_HOSTS_DIR (one dir shared by every VM of the simulator, so
 *   the kubeadm double's `join` finds the master among them);
 * - in bin: the recording commands (kubeadm, kubectl, systemctl, containerd, apt-get; `adminConf`
 *   is what `kubeadm init` writes as admin.conf), fake sudo, and `hostname` (prints the host
 *   name Nova's metadata gives the server, `novaHostname(name)`; `-I`/`-i` print the fixed IP).
 *
 * `<dir>` is the server name (characters other than letters, digits, `.`, `_`, `-` replaced by
 * `_`), or `<name>-2`, `<name>-3`, ... when a VM of that name existed before.
 *
 * Life cycle. A VM is one server id:
 * - the server deleted (gone, DELETED, or task_state `deleting`): its sshd is killed with every
 *   session, and the VM is retired; its directory stays (recorded commands can be read) until
 *   `stop()`. A kubeadm master that goes away stops serving join discovery, as a deleted master
 *   would (its `var/lib/hybrid-fake-kubeadm/endpoint` is renamed `endpoint.retired`).
 * - the server in ERROR, SHUTOFF, ... or its floating IP gone: the sshd is killed; if the same
 *   server becomes ACTIVE with a floating IP again (start, new floating IP), the sshd comes back
 *   with the same host key and directory (a real VM keeps its disk), on the new floating IP.
 * - a new server (even of the same name) is a fresh VM: fresh host key, fresh directory.
 *
 * Polling never throws: failures go to `errors` (at most 1000) and the next poll tries again.
 * Traffic goes only to the cloud (through the client) and to 127.x addresses; a floating IP
 * outside 127.0.0.0/8 is refused (logged to `errors`). A sshd a test forgot to stop is killed when
 * the test process dies (the watchdog of process-util.ts).
 *
 * ```ts
 * const sim = await startVmSimulator({ client: project.client() });
 * const [vm] = await sim.waitFor(1);          // one VM running
 * // ssh -i key -p sim.sshPort ${vm.user}@${vm.address} hostname   -> the server name
 * await sim.stop();
 * ```
 */
import { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { OpenStackClient } from '../../../lib/providers/openstack/client/client';
import { installFakeSudo } from '../../providers/ssh/support/fake-sudo';
import { SESSION_WRAPPER, SshTestHost, generateKey, launchSshd, makeHostTree, prepareSshd, sshdConfig } from '../ssh/hosts';
import { fingerprintOf, freePort, killOnExit, killTree, knownHostsPattern, waitExit } from '../ssh/process-util';
import { installRecordingCommands } from '../ssh/recording-commands';

export interface VmSimulatorOptions {
  /** A project-scoped client (`TestProject.client()`); the simulator uses it, never closes it. */
  client: OpenStackClient;
  /** The port every VM's sshd listens on (on its own floating IP); default a port free on every address. */
  sshPort?: number;
  /** What `kubeadm init` on a VM writes as admin.conf (e.g. a real API server's kubeconfig). */
  adminConf?: string;
  /** Poll interval in ms. @default 250 */
  pollMs?: number;
  /** sshd LogLevel. @default INFO */
  logLevel?: 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';
  /** Called after a VM's files exist and before its sshd first starts, to customise it. */
  onVm?: (vm: SimulatedVm) => void | Promise<void>;
  /** Parent of the temp dir. @default os.tmpdir() */
  tmpParent?: string;
  /** Keep the temp dir on stop() (debugging). */
  keepTmpDir?: boolean;
}

/**
 * One simulated VM. An SshTestHost (so installRecordingCommands, readRecordedCommands,
 * installFakeSudo, ... take it) whose `address` is the floating IP sshd listens on.
 */
export interface SimulatedVm extends SshTestHost {
  serverId: string;
  /** the server's name (also HYBRID_TEST_HOST_NAME); `hostname` prints novaHostname(name) */
  name: string;
  /** the floating IP sshd listens (or last listened) on */
  address: string;
  /** the fixed IP of the port holding the floating IP: HYBRID_TEST_HOST_ADDRESS in sessions */
  fixedIp: string;
  /** the server's key pair name, if any */
  keyName?: string;
  /** true once the server is deleted: the VM never runs again */
  retired: boolean;
}

export interface VmSimulator {
  /** The port every VM's sshd listens on. */
  readonly sshPort: number;
  /** The temp dir holding everything (removed by stop()). */
  readonly tmpDir: string;
  /** `<tmpDir>/hosts`: parent of every VM's directory (HYBRID_TEST_HOSTS_DIR in sessions). */
  readonly hostsDir: string;
  /** Login user of every VM (the user running the tests). */
  readonly user: string;
  /** Every VM ever started, in start order (retired ones included). */
  vms(): SimulatedVm[];
  /** The VMs whose sshd runs now. */
  running(): SimulatedVm[];
  /** The latest VM of a server, by server name or id (retired ones included); undefined if none. */
  vm(nameOrId: string): SimulatedVm | undefined;
  /** Resolves once a poll has completed that started after this call. */
  refresh(timeoutMs?: number): Promise<void>;
  /**
   * Resolves with the running VMs once exactly `count` run (0 to wait for every sshd to stop).
   * Rejects after timeoutMs (default 60 s) naming what runs and the errors so far.
   */
  waitFor(count: number, timeoutMs?: number): Promise<SimulatedVm[]>;
  /** Poll and VM start failures, newest last (at most 1000). */
  readonly errors: string[];
  /** Stops polling, kills every sshd (and its sessions), removes the temp dir. */
  stop(): Promise<void>;
}

interface Wanted {
  serverId: string;
  name: string;
  userId?: string;
  keyName?: string;
  floatingIp: string;
  fixedIp: string;
}

interface VmState {
  vm: SimulatedVm;
  authorizedKeys: string;
  configFile: string;
  child?: ChildProcess;
  forget?: () => void;
  /** failed starts on the current floating IP (gives up after 3) */
  failures: number;
  failedOn?: string;
  /** true while halt() kills the sshd's process tree */
  halting?: boolean;
}

const MAX_ERRORS = 1000;
const MAX_START_ATTEMPTS = 3;

/**
 * The host name a VM gets from Nova's metadata (what cloud-init sets): the server name as Nova's
 * `sanitize_hostname` makes it, so `k8s.cluster-worker_0` becomes `k8s-cluster-worker-0`: at most
 * 63 characters, spaces, '_' and '.' turned into '-', other characters but letters, digits and '-'
 * dropped, lower case, no leading or trailing '-' or '.'.
 */
export function novaHostname(serverName: string): string {
  const name = serverName.slice(0, 63).replace(/[ _.]/g, '-').replace(/[^\w.-]+/g, '').toLowerCase().replace(/^[-.]+|[-.]+$/g, '');
  return name || 'server';
}

function hostnameScript(name: string, fixedIp: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh
# hostname of a simulated OpenStack VM: the server name as Nova's metadata gives it (kubeadm names nodes after it).
case "\${1:-}" in
  -I|--all-ip-addresses|-i|--ip-address) printf '%s\\n' ${q(fixedIp)} ;;
  *) printf '%s\\n' ${q(novaHostname(name))} ;;
esac
`;
}

function isLoopback(address: string): boolean {
  return /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(address) && address.split('.').every((part) => Number(part) <= 255);
}

export async function startVmSimulator(options: VmSimulatorOptions): Promise<VmSimulator> {
  prepareSshd();
  const client = options.client;
  const pollMs = options.pollMs ?? 250;
  const logLevel = options.logLevel ?? 'INFO';
  const sshPort = options.sshPort ?? (await freePort('0.0.0.0'));
  const user = os.userInfo().username;
  const tmpDir = fs.mkdtempSync(path.join(options.tmpParent ?? os.tmpdir(), 'hybrid-vmsim-'));
  const hostsDir = path.join(tmpDir, 'hosts');
  fs.mkdirSync(hostsDir);
  const wrapper = path.join(tmpDir, 'session-wrapper.sh');
  fs.writeFileSync(wrapper, SESSION_WRAPPER, { mode: 0o755 });

  const errors: string[] = [];
  const states: VmState[] = [];
  const abort = new AbortController();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let completedPolls = 0;
  let projectId: string | undefined;
  /** non-loopback floating IPs already reported */
  const refused = new Set<string>();

  const report = (message: string) => {
    if (errors.length < MAX_ERRORS) errors.push(`${new Date().toISOString()} ${message}`);
  };
  const current = (serverId: string) => states.find((s) => s.vm.serverId === serverId && !s.vm.retired);

  /** What should run now, from one look at Nova and Neutron. */
  async function wanted(): Promise<Wanted[]> {
    const signal = abort.signal;
    projectId ??= await client.projectId(signal);
    const servers = (await client.list('compute', '/servers/detail', 'servers', { signal })).filter(
      (server: any) => server.status === 'ACTIVE' && server['OS-EXT-STS:task_state'] !== 'deleting',
    );
    // Neutron only when a server could run: each list costs the cloud ~0.1 s of CPU
    if (servers.length === 0) return [];
    const query = projectId ? { project_id: projectId } : {};
    const [ports, floatingIps] = await Promise.all([
      client.list('network', '/v2.0/ports', 'ports', { signal, query }),
      client.list('network', '/v2.0/floatingips', 'floatingips', { signal, query }),
    ]);
    const result: Wanted[] = [];
    for (const server of servers) {
      const serverPorts = ports.filter((port: any) => port.device_id === server.id);
      // the oldest floating IP on the server's first port that has one
      let chosen: any;
      for (const port of serverPorts) {
        const fips = floatingIps.filter((fip: any) => fip.port_id === port.id && fip.floating_ip_address);
        fips.sort((a: any, b: any) => String(a.created_at ?? '').localeCompare(String(b.created_at ?? '')) || String(a.id).localeCompare(String(b.id)));
        if (fips.length > 0) {
          chosen = { port, fip: fips[0] };
          break;
        }
      }
      if (!chosen) {
        // No floating IP: a server on a loopback tenant subnet (DHCP off, as Neutron requires) is
        // reached at its fixed IP, as from a bastion inside its network.
        const port = serverPorts.find((candidate: any) => isLoopback(candidate.fixed_ips?.[0]?.ip_address ?? ''));
        if (!port) continue;
        const fixedIp: string = port.fixed_ips[0].ip_address;
        result.push({ serverId: server.id, name: server.name, userId: server.user_id, keyName: server.key_name ?? undefined, floatingIp: fixedIp, fixedIp });
        continue;
      }
      const floatingIp: string = chosen.fip.floating_ip_address;
      if (!isLoopback(floatingIp)) {
        const key = `${server.id} ${floatingIp}`;
        if (!refused.has(key)) report(`server ${server.name} (${server.id}): floating IP ${floatingIp} is not a loopback address; not simulated`);
        refused.add(key);
        continue;
      }
      const fixedIp: string = chosen.fip.fixed_ip_address ?? chosen.port.fixed_ips?.[0]?.ip_address ?? '';
      result.push({ serverId: server.id, name: server.name, userId: server.user_id, keyName: server.key_name ?? undefined, floatingIp, fixedIp });
    }
    return result;
  }

  async function publicKeyOf(w: Wanted): Promise<string> {
    if (!w.keyName) return '';
    const response = await client.get('compute', `/os-keypairs/${encodeURIComponent(w.keyName)}`, {
      signal: abort.signal,
      query: w.userId ? { user_id: w.userId } : {},
      allow: [404],
    });
    if (response.status === 404) {
      report(`server ${w.name} (${w.serverId}): key pair ${w.keyName} not found; the VM authorizes no key`);
      return '';
    }
    return String(response.body.keypair.public_key ?? '').trim();
  }

  function directoryFor(name: string): string {
    const base = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.]+/, '_') || 'vm';
    for (let n = 1; ; n++) {
      const candidate = path.join(hostsDir, n === 1 ? base : `${base}-${n}`);
      if (!fs.existsSync(candidate)) return candidate;
    }
  }

  /** A fresh VM's files (directory, host key, bin), not yet started. */
  async function createVm(w: Wanted): Promise<VmState> {
    const dir = directoryFor(w.name);
    try {
      return await prepareVm(w, dir);
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true }); // the next attempt starts clean, under the same name
      throw e;
    }
  }

  async function prepareVm(w: Wanted, dir: string): Promise<VmState> {
    const { rootDir, binDir, sshdDir } = makeHostTree(dir);
    const [hostKey, publicKey] = await Promise.all([
      generateKey(path.join(sshdDir, 'ssh_host_ed25519_key'), `hybrid-vm-${w.serverId}`),
      publicKeyOf(w),
    ]);
    const authorizedKeys = path.join(sshdDir, 'authorized_keys');
    fs.writeFileSync(authorizedKeys, publicKey ? publicKey + '\n' : '', { mode: 0o600 });
    const hostPublicKey = hostKey.publicKey.split(/\s+/).slice(0, 2).join(' ');
    const vm: SimulatedVm = {
      serverId: w.serverId,
      name: w.name,
      keyName: w.keyName,
      address: w.floatingIp,
      fixedIp: w.fixedIp,
      port: sshPort,
      user,
      hostKeyFingerprint: fingerprintOf(hostPublicKey),
      hostPublicKey,
      knownHostsLine: `${knownHostsPattern(w.floatingIp, sshPort)} ${hostPublicKey}`,
      rootDir,
      binDir,
      sshdDir,
      logFile: path.join(sshdDir, 'sshd.log'),
      running: false,
      retired: false,
    };
    // The recording commands see the VM's own address (the fixed IP), as kubeadm on a VM would.
    installRecordingCommands({ ...vm, address: w.fixedIp }, { adminConf: options.adminConf, hostsDir });
    installFakeSudo(vm);
    fs.writeFileSync(path.join(binDir, 'hostname'), hostnameScript(w.name, w.fixedIp), { mode: 0o755 });
    await options.onVm?.(vm);
    return { vm, authorizedKeys, configFile: path.join(sshdDir, 'sshd_config'), failures: 0 };
  }

  async function launch(state: VmState, w: Wanted): Promise<void> {
    const vm = state.vm;
    vm.address = w.floatingIp;
    vm.fixedIp = w.fixedIp;
    vm.knownHostsLine = `${knownHostsPattern(vm.address, sshPort)} ${vm.hostPublicKey}`;
    fs.writeFileSync(state.configFile, sshdConfig(vm, state.authorizedKeys, wrapper, hostsDir, { HYBRID_TEST_HOST_ADDRESS: vm.fixedIp }, logLevel));
    const child = await launchSshd(state.configFile, vm.logFile, `VM ${vm.name} (${vm.address}:${sshPort})`);
    state.child = child;
    state.forget = killOnExit(child.pid!);
    vm.pid = child.pid;
    vm.running = true;
    child.once('exit', (code, signal) => {
      // a halt in progress clears everything once the whole process tree is gone
      if (state.child !== child || state.halting) return;
      report(`sshd of VM ${vm.name} (${vm.address}:${sshPort}) exited on its own (${code ?? signal}); restarting it`);
      state.forget?.();
      state.child = undefined;
      state.forget = undefined;
      vm.running = false;
      vm.pid = undefined;
    });
  }

  async function halt(state: VmState): Promise<void> {
    const child = state.child;
    if (!child || child.pid === undefined) return;
    state.halting = true;
    try {
      await killTree(child.pid);
      await waitExit(child);
    } finally {
      state.halting = false;
      state.forget?.();
      state.child = undefined;
      state.forget = undefined;
      state.vm.running = false;
      state.vm.pid = undefined;
    }
  }

  async function retire(state: VmState): Promise<void> {
    state.vm.retired = true;
    await halt(state);
    const endpoint = path.join(state.vm.rootDir, 'var', 'lib', 'hybrid-fake-kubeadm', 'endpoint');
    try {
      fs.renameSync(endpoint, `${endpoint}.retired`);
    } catch {
      // never ran kubeadm init
    }
  }

  async function start(w: Wanted): Promise<void> {
    let state = current(w.serverId);
    if (state?.failedOn === w.floatingIp && state.failures >= MAX_START_ATTEMPTS) return;
    try {
      if (!state) {
        state = await createVm(w);
        if (stopped) return;
        states.push(state);
      }
      await launch(state, w);
      state.failures = 0;
      state.failedOn = undefined;
    } catch (e) {
      if (stopped) return;
      if (!state) {
        report(`server ${w.name} (${w.serverId}): could not prepare its VM: ${(e as Error).message}`);
        return;
      }
      if (state.failedOn !== w.floatingIp) state.failures = 0;
      state.failedOn = w.floatingIp;
      state.failures++;
      report(`server ${w.name} (${w.serverId}): sshd on ${w.floatingIp}:${sshPort} failed to start (attempt ${state.failures} of ${MAX_START_ATTEMPTS}): ${(e as Error).message}`);
    }
  }

  async function pollOnce(): Promise<void> {
    let want: Wanted[];
    try {
      want = await wanted();
    } catch (e) {
      if (!stopped) report(`poll failed: ${(e as Error).message}`);
      return;
    }
    if (stopped) return;
    const byId = new Map(want.map((w) => [w.serverId, w]));
    // Which servers still exist at all (to tell "deleted" from "stopped/no floating IP") is known
    // only for the wanted ones; look the others up one by one (rare: only when a VM must stop).
    const changes: Promise<void>[] = [];
    for (const state of states) {
      if (state.vm.retired) continue;
      const w = byId.get(state.vm.serverId);
      const moved = w && state.child && state.vm.address !== w.floatingIp;
      if (w && !moved) continue;
      changes.push(
        (async () => {
          if (!w && (await serverGone(state.vm.serverId))) {
            await retire(state);
            return;
          }
          await halt(state);
          if (moved && w && !stopped) await start(w);
        })().catch((e) => report(`stopping VM ${state.vm.name}: ${(e as Error).message}`)),
      );
    }
    await Promise.all(changes);
    if (stopped) return;
    await Promise.all(
      want
        .filter((w) => !current(w.serverId)?.child)
        .map((w) => start(w).catch((e) => report(`starting VM ${w.name}: ${(e as Error).message}`))),
    );
  }

  async function serverGone(serverId: string): Promise<boolean> {
    const response = await client.get('compute', `/servers/${serverId}`, { signal: abort.signal, allow: [404] });
    if (response.status === 404) return true;
    const server = response.body.server;
    return server.status === 'DELETED' || server.status === 'SOFT_DELETED' || server['OS-EXT-STS:task_state'] === 'deleting';
  }

  const schedule = (delay: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delay);
    timer.unref();
  };
  function tick() {
    if (stopped || polling) return;
    polling = pollOnce()
      .catch((e) => report(`poll failed: ${(e as Error).message}`))
      .finally(() => {
        polling = undefined;
        completedPolls++;
        schedule(pollMs);
      });
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const simulator: VmSimulator = {
    sshPort,
    tmpDir,
    hostsDir,
    user,
    errors,
    vms: () => states.map((s) => s.vm),
    running: () => states.filter((s) => s.vm.running).map((s) => s.vm),
    vm: (nameOrId) => [...states].reverse().find((s) => s.vm.serverId === nameOrId || s.vm.name === nameOrId)?.vm,
    async refresh(timeoutMs = 60_000) {
      // a poll already under way may have looked before this call: wait for the one after it
      const target = completedPolls + (polling ? 2 : 1);
      if (!polling) schedule(0);
      const deadline = Date.now() + timeoutMs;
      while (completedPolls < target) {
        if (stopped) throw new Error('the VM simulator is stopped');
        if (Date.now() > deadline) throw new Error(`no poll completed in ${timeoutMs} ms; errors: ${errors.slice(-5).join('; ')}`);
        await sleep(20);
      }
    },
    async waitFor(count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const running = simulator.running();
        if (running.length === count) return running;
        if (stopped) throw new Error('the VM simulator is stopped');
        if (Date.now() > deadline) {
          throw new Error(
            `waited ${timeoutMs} ms for ${count} running VM(s); running: [${running.map((v) => `${v.name}@${v.address}`).join(', ')}]; errors: ${errors.slice(-5).join('; ') || 'none'}`,
          );
        }
        await sleep(25);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await polling?.catch(() => undefined);
      await Promise.all(states.map(halt));
      if (!options.keepTmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    },
  };
  schedule(0);
  return simulator;
}
