/**
 * samples/bare-metal-cluster through the CLI: three real OpenSSH hosts (master, worker-1,
 * worker-2) whose kubeadm, kubectl, systemctl, containerd and apt-get are the recording doubles of
 * test/support/ssh, and a real control plane with the node simulator. The master's `kubeadm init`
 * writes the real control plane's kubeconfig as admin.conf, so WordPress lands on the real API
 * server through the kubeconfig the master published.
 *
 * The first deploy is killed (SIGKILL) as soon as worker-1's `kubeadm join` has succeeded, while
 * worker-2 does not answer (its sshd stopped); the second deploy must converge without joining
 * worker-1 again. Then destroy drains, resets, and leaves nothing. Besides the doubles, each host
 * gets a `hostname` that prints its name, as a real machine's does (the test hosts all share this
 * machine's name, and kubeadm names a node after its host).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileStateStore } from '../../../lib/engine/state/file-store';
import { REPO, assertBuilt, makeProject, readTree } from '../../cli/support';
import { fakeSudoCalls, installFakeSudo } from '../../providers/ssh/support/fake-sudo';
import { ControlPlane, startControlPlane } from '../../support/kubernetes/control-plane';
import { KubernetesApi } from '../../support/kubernetes/kubernetes-api';
import { NodeSimulator } from '../../support/kubernetes/node-simulator';
import { SshTestHost, SshTestHosts, startSshHosts } from '../../support/ssh/hosts';
import { RecordedCommand, installRecordingCommands, readRecordedCommands, setAdminConf } from '../../support/ssh/recording-commands';
import { projectCli, startCli } from '../kubernetes/support';

const SAMPLE = path.join(REPO, 'samples', 'bare-metal-cluster');
const WORKERS = ['worker-1', 'worker-2'];

let controlPlane: ControlPlane;
let simulator: NodeSimulator;
let api: KubernetesApi;
let hosts: SshTestHosts;
let project: string;
let home: string;
let clientKeyData: string;
/** When the first deploy was killed: had worker-1 joined, and what state recorded of its install. */
let atKill: { joined: string[]; workerStatus: string | undefined };

const host = (name: string): SshTestHost => hosts.host(name);
const calls = (name: string, filter: (call: RecordedCommand) => boolean = () => true) => readRecordedCommands(host(name)).filter(filter);
const joins = (name: string) => calls(name, (call) => call.command === 'kubeadm' && call.args[0] === 'join');
const describeCall = (call: RecordedCommand) => [call.command, ...call.args].join(' ');
/** A call as the order tests show it: kubeadm and `kubectl wait` by their subcommand only (their arguments have tests of their own). */
const briefly = (call: RecordedCommand) => {
  const words = describeCall(call).split(' ');
  if (words[0] === 'kubeadm') return words.slice(0, words[1] === 'token' ? 3 : 2).join(' ');
  return words[1] === 'wait' ? 'kubectl wait' : words.join(' ');
};
const onHost = (name: string, file: string) => path.join(host(name).rootDir, file);

/** Runs `hybrid <args>` (with the inputs file, except for `outputs`) without blocking the node simulator. */
const cli = projectCli(() => project, () => ({ HOME: home }), 300_000);
const transcripts = cli.transcripts;

async function get(apiPath: string): Promise<any> {
  const response = await api.get(apiPath, { accept: (status) => status === 200 || status === 404 });
  return response.statusCode === 404 ? undefined : response.body;
}

beforeAll(async () => {
  assertBuilt();
  [controlPlane, hosts] = await Promise.all([startControlPlane(), startSshHosts(3, { names: ['master', ...WORKERS] })]);
  simulator = await NodeSimulator.start(controlPlane.credentials);
  api = controlPlane.createApi();
  for (const test of hosts.hosts) {
    installRecordingCommands(test);
    installFakeSudo(test);
    fs.writeFileSync(path.join(test.binDir, 'hostname'), `#!/bin/sh\necho ${test.name}\n`, { mode: 0o755 });
  }
  const kubeconfig = fs.readFileSync(controlPlane.kubeconfigPath, 'utf8');
  clientKeyData = /client-key-data: (\S+)/.exec(kubeconfig)![1];
  setAdminConf(host('master'), kubeconfig);

  home = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-bare-metal-home-'));
  fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
  fs.copyFileSync(hosts.knownHostsFile, path.join(home, '.ssh', 'known_hosts'));
  fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), hosts.clientKey.privateKey, { mode: 0o600 });
  const [master, worker1, worker2] = hosts.hosts;
  const inputs = [
    `sshUser: ${hosts.user}`,
    `masterAddress: ${master.address}`, `masterPort: ${master.port}`,
    `worker1Address: ${worker1.address}`, `worker1Port: ${worker1.port}`,
    `worker2Address: ${worker2.address}`, `worker2Port: ${worker2.port}`,
    'prepareHosts: false',
    "hostRoot: '.'",
  ];
  project = makeProject({
    'main.ts': fs.readFileSync(path.join(SAMPLE, 'main.ts'), 'utf8'),
    'hybrid.json': fs.readFileSync(path.join(SAMPLE, 'hybrid.json'), 'utf8'),
    'inputs.yaml': inputs.join('\n') + '\n',
  }, 'hybrid-bare-metal-');

  // The first deploy, killed once worker-1 joined. worker-2's sshd is stopped (SIGSTOP) meanwhile:
  // its connection hangs in the handshake, so the run is still waiting on worker-2 and records
  // nothing durable after worker-1's join, which therefore reaches state only as an unfinished install.
  const stoppedSshd = host('worker-2').pid!;
  process.kill(stoppedSshd, 'SIGSTOP');
  const first = startCli(['deploy', '--yes', '--no-typecheck', '--inputs', path.join(project, 'inputs.yaml')], project, { HOME: home });
  try {
    const deadline = Date.now() + 240_000;
    while (!joins('worker-1').some((call) => call.exitCode === 0)) {
      if (first.child.exitCode !== null || Date.now() > deadline) throw new Error(`worker-1 never joined; the deploy printed:\n${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    first.child.kill('SIGKILL');
    await first.exit;
    transcripts.killed = first.output();
    process.kill(stoppedSshd, 'SIGCONT');
  }
  const state = await new FileStateStore(path.join(project, '.hybrid', 'bare-metal-cluster')).load();
  atKill = { joined: WORKERS.filter((name) => joins(name).some((call) => call.exitCode === 0)), workerStatus: state?.instances['cluster-worker1_0']?.status };
}, 360_000);

afterAll(async () => {
  if (project && !transcripts.destroy) await cli('cleanup', ['destroy', '--yes']);
  if (project) fs.rmSync(project, { recursive: true, force: true });
  if (home) fs.rmSync(home, { recursive: true, force: true });
  api?.close();
  await simulator?.stop();
  await Promise.all([controlPlane?.stop(), hosts?.stop()]);
}, 300_000);

describe('a deploy killed after worker-1 joined, then deployed again', () => {
  test('when the engine was killed, worker-1 alone had joined, and state did not record its install as finished', () => {
    expect([atKill.joined, atKill.workerStatus === 'started']).toEqual([['worker-1'], false]);
  });

  test('the second deploy succeeds', async () => {
    const result = await cli('deploy', ['deploy', '--yes', '--no-typecheck']);
    expect({ code: result.code, output: result.code === 0 ? '' : transcripts.deploy }).toEqual({ code: 0, output: '' });
  }, 300_000);

  test('the second deploy ran the join of worker-1 again, and it skipped kubeadm join: the host had joined', () => {
    expect(transcripts.deploy).toMatch(/kubeadm join skipped: this host joined a cluster already \(.*\/etc\/kubernetes\/kubelet\.conf exists\)/);
  });

  test('each worker joined, and no worker ran kubeadm join again once it had joined', () => {
    const afterJoined = (name: string) => {
      const all = joins(name);
      const first = all.findIndex((call) => call.exitCode === 0);
      return first === -1 ? 'never joined' : all.length - first - 1;
    };
    expect(WORKERS.map(afterJoined)).toEqual([0, 0]);
  });
});

/** What every node's install runs, in order, before kubeadm: containerd, then the packages of the version. */
const PACKAGE_INSTALL = [
  'apt-get update -q',
  'apt-get install -y -q containerd',
  'containerd config default',
  'systemctl restart containerd',
  'systemctl enable containerd',
  'apt-get install -y -q kubelet=1.30.3-* kubeadm=1.30.3-* kubectl=1.30.3-*',
  'systemctl enable --now kubelet',
];

describe('the cluster the two deploys built', () => {
  // Join commands: the install's, then one right before each join: worker-1's in the killed run
  // and again in the second (whose kubeadm join the host skipped), worker-2's in the second.
  test('the master installed containerd and the packages, ran kubeadm init, the pod network and a join command, made a join command before each join, then waited for the nodes, in that order', () => {
    expect(calls('master').map(briefly)).toEqual([
      ...PACKAGE_INSTALL,
      'kubeadm init',
      'kubectl apply -f https://raw.githubusercontent.com/projectcalico/calico/v3.28.1/manifests/calico.yaml',
      'kubeadm token create',
      'kubeadm token create',
      'kubeadm token create',
      'kubeadm token create',
      'kubectl get node master',
      'kubectl get node worker-1',
      'kubectl get node worker-2',
      'kubectl wait',
    ]);
  });

  test("kubeadm init ran once, with the sample's version, pod CIDR and the master's node name", () => {
    expect(calls('master', (call) => call.command === 'kubeadm' && call.args[0] === 'init').map((call) => call.args)).toEqual([
      ['init', '--kubernetes-version=v1.30.3', '--pod-network-cidr=10.244.0.0/16', '--service-cidr=10.96.0.0/12', '--apiserver-bind-port=6443', '--node-name=master', '--skip-token-print'],
    ]);
  });

  test('every script ran as root through sudo', () => {
    expect(hosts.hosts.map((test) => fakeSudoCalls(test).every((line) => line.startsWith('options=-n ')) && fakeSudoCalls(test).length > 0)).toEqual([true, true, true]);
  });

  test('each worker installed containerd and the packages right before it joined', () => {
    const beforeJoin = (name: string) => {
      const done = calls(name, (call) => call.exitCode === 0).map(briefly);
      return done.slice(done.indexOf('kubeadm join') - PACKAGE_INSTALL.length, done.indexOf('kubeadm join'));
    };
    expect(WORKERS.map(beforeJoin)).toEqual(WORKERS.map(() => PACKAGE_INSTALL));
  });

  test("each worker joined at the master's address, with a token the master created and the master's CA hash, as its own node name", () => {
    const masterState = path.join(host('master').rootDir, 'var/lib/hybrid-fake-kubeadm');
    const tokens = fs.readFileSync(path.join(masterState, 'tokens'), 'utf8').split('\n');
    const caHash = `sha256:${fs.readFileSync(path.join(masterState, 'ca-hash'), 'utf8').trim()}`;
    expect(WORKERS.map((name) => joins(name).filter((call) => call.exitCode === 0).map((call) => [...call.args.slice(0, 3), tokens.includes(call.args[3]), ...call.args.slice(4)]))).toEqual(
      WORKERS.map((name) => [['join', `${host('master').address}:6443`, '--token', true, '--discovery-token-ca-cert-hash', caHash, `--node-name=${name}`]]),
    );
  });

  test("WordPress's Deployments are available on the real control plane", async () => {
    const deployments = (await get('/apis/apps/v1/namespaces/wordpress/deployments')).items;
    expect(deployments.map((deployment: any) => [deployment.metadata.name, deployment.status.availableReplicas]).sort()).toEqual([['wordpress', 1], ['wordpress-mysql', 1]]);
  });

  test("outputs give the master's API endpoint and WordPress's node-port URL", async () => {
    const service = await get('/api/v1/namespaces/wordpress/services/wordpress');
    const result = await cli('outputs', ['outputs']);
    expect(result.stdout.trim().split('\n').sort()).toEqual([`apiServer = https://${host('master').address}:6443`, expect.stringMatching(new RegExp(`^url = http://[^:]+:${service.spec.ports[0].nodePort}/$`))]);
  });

  test('diff right after the deploy shows no changes', async () => {
    expect((await cli('diff', ['diff', '--detailed-exitcode'])).code).toBe(0);
  }, 120_000);
});

describe('secrets', () => {
  const secrets = () => [joins('worker-1')[0].args[3], clientKeyData];

  test("the join token and the kubeconfig's client key appear in no file hybrid wrote: state, journal, blueprint, caches", () => {
    const files = [...readTree(path.join(project, '.hybrid')), ...readTree(path.join(project, 'hybrid.out')), ...readTree(path.join(project, '.hybrid-home'))];
    expect(files.filter(([, content]) => secrets().some((secret) => content.includes(secret))).map(([file]) => file)).toEqual([]);
  });

  test("the join token and the kubeconfig's client key appear in no CLI output, the killed run's included", () => {
    expect(Object.entries(transcripts).filter(([, text]) => secrets().some((secret) => text.includes(secret))).map(([run]) => run)).toEqual([]);
  });
});

describe('destroy', () => {
  test('succeeds', async () => {
    const result = await cli('destroy', ['destroy', '--yes']);
    expect({ code: result.code, output: result.code === 0 ? '' : transcripts.destroy }).toEqual({ code: 0, output: '' });
  }, 300_000);

  test("drained and deleted each worker's node on the master, through the admin kubeconfig", () => {
    const adminConf = path.join(fs.realpathSync(host('master').rootDir), 'etc/kubernetes/admin.conf');
    expect(calls('master', (call) => call.command === 'kubectl' && ['drain', 'delete'].includes(call.args[0])).map((call) => [describeCall(call), call.env.KUBECONFIG]).sort()).toEqual([
      ['kubectl delete node worker-1 --ignore-not-found', adminConf],
      ['kubectl delete node worker-2 --ignore-not-found', adminConf],
      ['kubectl drain worker-1 --ignore-daemonsets --delete-emptydir-data --force --timeout=300s', adminConf],
      ['kubectl drain worker-2 --ignore-daemonsets --delete-emptydir-data --force --timeout=300s', adminConf],
    ]);
  });

  test('reset every host with kubeadm reset -f, each worker after its drain and the master last', () => {
    const resetAt = (name: string) => calls(name, (call) => describeCall(call) === 'kubeadm reset -f').map((call) => call.time);
    const drainedAt = (name: string) => calls('master', (call) => describeCall(call).startsWith(`kubectl drain ${name} `))[0].time;
    const [masterReset] = resetAt('master');
    expect(WORKERS.map((name) => [resetAt(name).length, resetAt(name)[0] > drainedAt(name), resetAt(name)[0] < masterReset])).toEqual([[1, true, true], [1, true, true]]);
  });

  test("left no kubeadm files on any host", () => {
    const left = ['master', ...WORKERS].flatMap((name) => ['etc/kubernetes/admin.conf', 'etc/kubernetes/kubelet.conf', 'etc/kubernetes/pki'].filter((file) => fs.existsSync(onHost(name, file))).map((file) => `${name}:${file}`));
    expect(left).toEqual([]);
  });

  test('left no object hybrid made in the API, and the namespace is gone', async () => {
    const lists = ['/api/v1/secrets', '/api/v1/services', '/api/v1/persistentvolumeclaims', '/apis/apps/v1/deployments', '/api/v1/namespaces'];
    const left = (await Promise.all(lists.map((list) => api.get(list, { query: { labelSelector: 'app.kubernetes.io/managed-by=hybrid' } })))).flatMap((response) => response.body.items.map((item: any) => `${item.metadata.namespace ?? ''}/${item.metadata.name}`));
    expect([left, await get('/api/v1/namespaces/wordpress')]).toEqual([[], undefined]);
  });
});
