/**
 * The recording commands (kubeadm, kubectl, systemctl, containerd, apt-get doubles) of
 * test/support/ssh/recording-commands.ts, run for real over SSH on real sshd test hosts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sshExec } from '../support/ssh/client';
import { startSshHosts, SshTestHost, SshTestHosts } from '../support/ssh/hosts';
import {
  clearRecordedCommands,
  installRecordingCommands,
  readRecordedCommands,
  setCommandFailure,
} from '../support/ssh/recording-commands';

let hosts: SshTestHosts;
let master: SshTestHost;
let worker: SshTestHost;
let spare: SshTestHost;
const ADMIN_CONF = 'apiVersion: v1\nkind: Config\n# the real API server of the test\n';
const JOIN_LINE = /^kubeadm join (127\.0\.0\.\d+:6443) --token ([a-z0-9]{6}\.[a-z0-9]{16}) --discovery-token-ca-cert-hash (sha256:[0-9a-f]{64}) ?$/;

const sh = (h: SshTestHost, command: string) => sshExec(h, hosts.clientKey.privateKey, command);

/** kubeadm init on the master (once), returning its stdout */
let initOutput: Promise<string> | undefined;
function initMaster(): Promise<string> {
  initOutput ??= sh(master, 'kubeadm init --pod-network-cidr=10.244.0.0/16').then((r) => {
    if (r.code !== 0) throw new Error(`kubeadm init failed: ${r.stderr}`);
    return r.stdout;
  });
  return initOutput;
}

beforeAll(async () => {
  hosts = await startSshHosts(3, { names: ['master', 'worker', 'spare'], firstAddressOctet: 20 });
  [master, worker, spare] = hosts.hosts;
  installRecordingCommands(master, { adminConf: ADMIN_CONF, recordEnv: ['HYBRID_ROLE'] });
  installRecordingCommands(worker);
  installRecordingCommands(spare);
});

afterAll(async () => {
  await hosts?.stop();
});

test('a recording command appends one JSON line with args, cwd, env, host and exit code', async () => {
  clearRecordedCommands(spare);
  const r = await sh(spare, 'cd /tmp && KUBECONFIG=/etc/kubernetes/admin.conf kubectl drain spare --ignore-daemonsets "--arg with space"');
  expect(r.code).toBe(0);
  const [call, ...rest] = readRecordedCommands(spare);
  expect(rest).toEqual([]);
  expect(call).toMatchObject({
    host: 'spare',
    command: 'kubectl',
    args: ['drain', 'spare', '--ignore-daemonsets', '--arg with space'],
    cwd: '/tmp',
    env: { KUBECONFIG: '/etc/kubernetes/admin.conf', HOME: spare.rootDir, HYBRID_TEST_HOST_NAME: 'spare' },
    exitCode: 0,
  });
  expect(Date.parse(call.time)).toBeGreaterThan(Date.now() - 60_000);
});

test('kubectl drain prints what the real kubectl prints', async () => {
  const r = await sh(spare, 'kubectl drain node-a --ignore-daemonsets --delete-emptydir-data');
  expect(r.stdout).toBe('node/node-a cordoned\nnode/node-a drained\n');
});

test('kubectl delete node records the call and prints the deletion', async () => {
  const r = await sh(spare, 'kubectl delete node node-a');
  expect(r.stdout).toBe('node "node-a" deleted\n');
  expect(readRecordedCommands(spare, { command: 'kubectl' }).pop()?.args).toEqual(['delete', 'node', 'node-a']);
});

test('extra environment variables named at install are recorded', async () => {
  await sh(master, 'HYBRID_ROLE=master systemctl daemon-reload');
  expect(readRecordedCommands(master, { command: 'systemctl' }).pop()?.env.HYBRID_ROLE).toBe('master');
});

test('kubeadm init writes admin.conf with the content the test gave', async () => {
  await initMaster();
  expect(fs.readFileSync(path.join(master.rootDir, 'etc/kubernetes/admin.conf'), 'utf8')).toBe(ADMIN_CONF);
});

test("kubeadm init prints the join command like the real one, split over two lines", async () => {
  const out = await initMaster();
  const joined = out.replace(/ \\\n\t/g, ' ').trim().split('\n').pop()!;
  const m = JOIN_LINE.exec(joined);
  expect(m).not.toBeNull();
  expect(m![1]).toBe(`${master.address}:6443`);
  expect(m![2]).toBe('abcdef.0123456789abcdef');
  expect(out).toContain('Your Kubernetes control-plane has initialized successfully!');
});

test('kubeadm init refuses to run twice with the preflight errors of the real one', async () => {
  await initMaster();
  const r = await sh(master, 'kubeadm init');
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('[ERROR FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml]: /etc/kubernetes/manifests/kube-apiserver.yaml already exists');
});

test('kubeadm token create --print-join-command prints a one-line join command with a new token', async () => {
  await initMaster();
  const r = await sh(master, 'kubeadm token create --print-join-command');
  expect(r.code).toBe(0);
  const m = JOIN_LINE.exec(r.stdout.trim());
  expect(m).not.toBeNull();
  expect(m![2]).not.toBe('abcdef.0123456789abcdef');
});

test('kubeadm join with the printed command creates kubelet.conf on the worker', async () => {
  await initMaster();
  const join = (await sh(master, 'kubeadm token create --print-join-command')).stdout.trim();
  const r = await sh(worker, join);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('This node has joined the cluster');
  expect(fs.readFileSync(path.join(worker.rootDir, 'etc/kubernetes/kubelet.conf'), 'utf8')).toContain(`server: https://${master.address}:6443`);
});

test('kubeadm join refuses a second join because kubelet.conf already exists', async () => {
  await initMaster();
  const join = (await sh(master, 'kubeadm token create --print-join-command')).stdout.trim();
  await sh(worker, join);
  const r = await sh(worker, join);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists');
  expect(readRecordedCommands(worker, { command: 'kubeadm' }).pop()?.exitCode).toBe(1);
});

test('kubeadm join to an endpoint where no host ran kubeadm init fails like a refused connection', async () => {
  const r = await sh(spare, 'kubeadm join 127.0.0.99:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:' + '0'.repeat(64));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('dial tcp 127.0.0.99:6443: connect: connection refused');
});

test('kubeadm join with a CA hash the master does not have fails', async () => {
  await initMaster();
  const r = await sh(spare, `kubeadm join ${master.address}:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:${'0'.repeat(64)}`);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('none of the public keys');
});

test('kubeadm reset -f removes the join files so the node can join again', async () => {
  await initMaster();
  const join = (await sh(master, 'kubeadm token create --print-join-command')).stdout.trim();
  await sh(spare, join);
  expect(fs.existsSync(path.join(spare.rootDir, 'etc/kubernetes/kubelet.conf'))).toBe(true);
  const reset = await sh(spare, 'kubeadm reset -f');
  expect(reset.code).toBe(0);
  expect(fs.existsSync(path.join(spare.rootDir, 'etc/kubernetes/kubelet.conf'))).toBe(false);
  expect((await sh(spare, join)).code).toBe(0);
});

test('systemctl is-active answers from what start and stop did', async () => {
  const r = await sh(spare, 'systemctl is-active kubelet; echo "rc=$?"; systemctl enable --now kubelet; systemctl is-active kubelet; echo "rc=$?"');
  expect(r.stdout).toBe('inactive\nrc=3\nactive\nrc=0\n');
});

test('apt-get install remembers packages and reports them as installed the second time', async () => {
  const r = await sh(spare, 'apt-get install -y containerd >/dev/null; apt-get install -y containerd');
  expect(r.stdout).toContain('containerd is already the newest version.');
});

test('containerd --version prints the Debian 12 version line', async () => {
  const r = await sh(spare, 'containerd --version');
  expect(r.stdout).toMatch(/^containerd github.com\/containerd\/containerd 1\.6\.20/);
});

test('an injected failure makes a command exit with the given code and message after recording', async () => {
  setCommandFailure(spare, 'apt-get', { exitCode: 100, stderr: 'E: Unable to locate package kubeadm', argsPrefix: 'install' });
  try {
    const failed = await sh(spare, 'apt-get install -y kubeadm');
    const other = await sh(spare, 'apt-get update');
    expect([failed.code, failed.stderr, other.code]).toEqual([100, 'E: Unable to locate package kubeadm\n', 0]);
    expect(readRecordedCommands(spare, { command: 'apt-get' }).slice(-2).map((c) => c.exitCode)).toEqual([100, 0]);
  } finally {
    setCommandFailure(spare, 'apt-get', null);
  }
});
