/**
 * The scripts of K8sCluster.onHosts, run with /bin/sh on this machine against the recording
 * kubeadm, kubectl, systemctl, containerd and apt-get of test/support/ssh (no SSH here: the e2e
 * in test/e2e/bare-metal runs them over SSH). Each "host" is a directory tree standing for its
 * `/` (HOST_ROOT '.', the scripts run in it) with the doubles and a `hostname` first on PATH.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DRAIN_SCRIPT, JOIN_SCRIPT, MASTER_SCRIPT, NODES_READY_SCRIPT, RESET_SCRIPT, TOKEN_SCRIPT, WORKER_SCRIPT } from '../../../constructs/kubernetes/on-hosts-scripts';
import { OutputReader } from '../../../lib/providers/ssh/outputs';
import { RecordingHost, installRecordingCommands, readRecordedCommands, setCommandFailure } from '../../support/ssh/recording-commands';

const ADMIN_CONF = 'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-key-data: c2VjcmV0LWtleS1vZi10aGUtdGVzdA==\n';
const INSTALL_ENV = { KUBERNETES_VERSION: '1.30.3', CONTAINER_RUNTIME: 'containerd', PREPARE_HOST: 'false', HOST_ROOT: '.' };
const MASTER_ENV = {
  ...INSTALL_ENV,
  POD_CIDR: '10.244.0.0/16',
  SERVICE_CIDR: '10.96.0.0/12',
  API_SERVER_PORT: '6443',
  ADVERTISE_ADDRESS: '',
  POD_NETWORK_MANIFEST: 'https://example.invalid/calico.yaml',
};

let directory: string;
let master: RecordingHost;
let worker: RecordingHost;

function makeHost(name: string, address: string): RecordingHost {
  const host = { name, address, rootDir: path.join(directory, 'hosts', name, 'root'), binDir: path.join(directory, 'hosts', name, 'bin') };
  fs.mkdirSync(host.rootDir, { recursive: true });
  fs.mkdirSync(host.binDir, { recursive: true });
  installRecordingCommands(host, { adminConf: ADMIN_CONF });
  fs.writeFileSync(path.join(host.binDir, 'hostname'), `#!/bin/sh\necho ${name.toUpperCase()}\n`, { mode: 0o755 });
  return host;
}

function run(script: string, host: RecordingHost, env: { [name: string]: string }) {
  const file = path.join(directory, `script-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, script);
  const result = spawnSync('/bin/sh', [file], {
    cwd: host.rootDir,
    env: { PATH: `${host.binDir}:${process.env.PATH}`, HOME: host.rootDir, TMPDIR: directory, ...env },
    encoding: 'utf8',
  });
  const reader = new OutputReader();
  const logged = result.stdout.split('\n').filter((line) => !reader.line(line));
  return { code: result.status, logged: [...logged, ...result.stderr.split('\n')].filter((line) => line !== ''), outputs: reader.outputs, stderr: result.stderr };
}

const calls = (host: RecordingHost) => readRecordedCommands(host).map((call) => [call.command, ...call.args].join(' '));
const runMaster = () => run(MASTER_SCRIPT, master, MASTER_ENV);

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'hybrid-on-hosts-scripts-'));
  master = makeHost('master', '127.0.0.2');
  worker = makeHost('worker-1', '127.0.0.3');
});

afterEach(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

describe('the master script', () => {
  test('installs containerd and the packages of the version, then runs kubeadm init, the pod network and a join command, in that order', () => {
    expect(runMaster().code).toBe(0);
    expect(calls(master)).toEqual([
      'apt-get update -q',
      'apt-get install -y -q containerd',
      'containerd config default',
      'systemctl restart containerd',
      'systemctl enable containerd',
      'apt-get install -y -q kubelet=1.30.3-* kubeadm=1.30.3-* kubectl=1.30.3-*',
      'systemctl enable --now kubelet',
      'kubeadm init --kubernetes-version=v1.30.3 --pod-network-cidr=10.244.0.0/16 --service-cidr=10.96.0.0/12 --apiserver-bind-port=6443 --node-name=master --skip-token-print',
      'kubectl apply -f https://example.invalid/calico.yaml',
      'kubeadm token create --print-join-command',
    ]);
  });

  test('configures containerd for the systemd cgroup driver', () => {
    runMaster();
    expect(fs.readFileSync(path.join(master.rootDir, 'etc/containerd/config.toml'), 'utf8')).toContain('SystemdCgroup = true');
  });

  test('gives kubeadm init the advertise address when one is set', () => {
    run(MASTER_SCRIPT, master, { ...MASTER_ENV, ADVERTISE_ADDRESS: '192.0.2.10' });
    expect(readRecordedCommands(master, { command: 'kubeadm' })[0].args).toContain('--apiserver-advertise-address=192.0.2.10');
  });

  test('with a public address, puts it in the API server certificate besides the advertised one', () => {
    run(MASTER_SCRIPT, master, { ...MASTER_ENV, ADVERTISE_ADDRESS: '10.0.0.5', PUBLIC_ADDRESS: '203.0.113.7' });
    expect(readRecordedCommands(master, { command: 'kubeadm' })[0].args.filter((arg) => arg.startsWith('--apiserver-'))).toEqual([
      '--apiserver-bind-port=6443', '--apiserver-advertise-address=10.0.0.5', '--apiserver-cert-extra-sans=203.0.113.7',
    ]);
  });

  test('with a public address, publishes it as the endpoint and as the server of the kubeconfig, while workers join at the advertised address', () => {
    const withServer = 'apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: Y2E=\n    server: https://10.0.0.5:6443\n  name: kubernetes\nkind: Config\n';
    installRecordingCommands(master, { adminConf: withServer });
    const { outputs } = run(MASTER_SCRIPT, master, { ...MASTER_ENV, ADVERTISE_ADDRESS: '10.0.0.5', PUBLIC_ADDRESS: '203.0.113.7' });
    expect([outputs.endpoint, outputs.kubeconfig, outputs.join_command.split(' ')[2]]).toEqual([
      'https://203.0.113.7:6443', withServer.replace('https://10.0.0.5:6443', 'https://203.0.113.7:6443').trimEnd(), '10.0.0.5:6443',
    ]);
  });

  test('with a public address and API_ACCESS advertised, publishes the advertised endpoint and the kubeconfig as kubeadm wrote it', () => {
    const { outputs } = run(MASTER_SCRIPT, master, { ...MASTER_ENV, ADVERTISE_ADDRESS: '10.0.0.5', PUBLIC_ADDRESS: '203.0.113.7', API_ACCESS: 'advertised' });
    expect([outputs.endpoint, outputs.kubeconfig]).toEqual(['https://10.0.0.5:6443', ADMIN_CONF.trimEnd()]);
  });

  test('runs kubectl with the admin kubeconfig kubeadm wrote', () => {
    runMaster();
    expect(readRecordedCommands(master, { command: 'kubectl' })[0].env.KUBECONFIG).toBe(path.join(fs.realpathSync(master.rootDir), 'etc/kubernetes/admin.conf'));
  });

  test('publishes the endpoint, the join command and its token, the node name and the admin kubeconfig', () => {
    const { outputs } = runMaster();
    expect(outputs).toEqual({
      endpoint: 'https://127.0.0.2:6443',
      join_command: expect.stringMatching(/^kubeadm join 127\.0\.0\.2:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}$/),
      join_token: outputs.join_command.split(' ')[4],
      node_name: 'master',
      kubeconfig: ADMIN_CONF.trimEnd(),
    });
  });

  test("logs kubeadm init's output with every bootstrap token masked", () => {
    const { logged } = runMaster();
    expect([logged.some((line) => line.includes('--token ******.****************')), logged.filter((line) => /[a-z0-9]{6}\.[a-z0-9]{16}/.test(line))]).toEqual([true, []]);
  });

  test('run again, skips kubeadm init and publishes a fresh join command', () => {
    const first = runMaster();
    const second = runMaster();
    expect([
      readRecordedCommands(master, { command: 'kubeadm' }).filter((call) => call.args[0] === 'init').length,
      second.logged.some((line) => line.startsWith('kubeadm init skipped: this host is a control plane already')),
      second.outputs.join_token === first.outputs.join_token,
    ]).toEqual([1, true, false]);
  });

  test('fails if the node runs another Kubernetes version, installing nothing', () => {
    runMaster();
    const before = calls(master).length;
    const result = run(MASTER_SCRIPT, master, { ...MASTER_ENV, KUBERNETES_VERSION: '1.31.0' });
    expect([result.code, result.stderr.trim(), calls(master).slice(before)]).toEqual([
      1,
      'this node runs Kubernetes v1.30.3, not v1.31.0: a node of a cluster changes version with kubeadm upgrade, which hybrid does not run; nothing was changed',
      ['kubeadm version -o short'],
    ]);
  });

  test('fails if kubeadm init fails, with its exit code', () => {
    setCommandFailure(master, 'kubeadm', { exitCode: 3, argsPrefix: 'init', stderr: 'error execution phase preflight: [preflight] Some fatal errors occurred' });
    const result = runMaster();
    expect([result.code, result.logged.includes('error execution phase preflight: [preflight] Some fatal errors occurred'), result.outputs]).toEqual([3, true, {}]);
  });
});

describe('the token script', () => {
  test('publishes a join command with a token of its own on every run, at the endpoint the master serves', () => {
    const installed = runMaster();
    const first = run(TOKEN_SCRIPT, master, { HOST_ROOT: '.' });
    const second = run(TOKEN_SCRIPT, master, { HOST_ROOT: '.' });
    const tokens = [installed, first, second].map((result) => result.outputs.join_token);
    expect([new Set(tokens).size, first.outputs.join_command.split(' ').slice(0, 3), first.outputs.join_command.split(' ')[4]]).toEqual([3, ['kubeadm', 'join', '127.0.0.2:6443'], first.outputs.join_token]);
  });

  test('fails before the master is installed, with kubeadm\'s message', () => {
    const result = run(TOKEN_SCRIPT, master, { HOST_ROOT: '.' });
    expect([result.code, result.stderr]).toEqual([1, expect.stringContaining('failed to load admin kubeconfig')]);
  });
});

describe('the worker and join scripts', () => {
  test('the worker script installs the runtime and packages, and publishes its node name, in lower case', () => {
    const { code, outputs } = run(WORKER_SCRIPT, worker, INSTALL_ENV);
    expect([code, outputs, calls(worker).filter((call) => call.startsWith('kubeadm'))]).toEqual([0, { node_name: 'worker-1' }, []]);
  });

  test("the join script joins with the master's join command, as its node name", () => {
    const { outputs } = runMaster();
    expect(run(JOIN_SCRIPT, worker, { JOIN_COMMAND: outputs.join_command, NODE_NAME: 'worker-1', HOST_ROOT: '.' }).code).toBe(0);
    expect(calls(worker)).toEqual([`${outputs.join_command} --node-name=worker-1`]);
  });

  test('the join script does not join a host that joined already', () => {
    const { outputs } = runMaster();
    const env = { JOIN_COMMAND: outputs.join_command, NODE_NAME: 'worker-1', HOST_ROOT: '.' };
    run(JOIN_SCRIPT, worker, env);
    const again = run(JOIN_SCRIPT, worker, env);
    expect([again.code, again.logged[0], readRecordedCommands(worker, { command: 'kubeadm' }).length]).toEqual([
      0,
      `kubeadm join skipped: this host joined a cluster already (${fs.realpathSync(worker.rootDir)}/etc/kubernetes/kubelet.conf exists)`,
      1,
    ]);
  });

  test("fails if kubeadm refuses the join, with its exit code and message", () => {
    runMaster();
    const result = run(JOIN_SCRIPT, worker, { JOIN_COMMAND: 'kubeadm join 127.0.0.2:6443 --token zzzzzz.zzzzzzzzzzzzzzzz --discovery-token-ca-cert-hash sha256:00', NODE_NAME: 'worker-1', HOST_ROOT: '.' });
    expect([result.code, result.logged[1]]).toEqual([1, 'error execution phase preflight: couldn\'t validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "zzzzzz"']);
  });

  test('fails if the join command is not a kubeadm join command, running nothing', () => {
    const result = run(JOIN_SCRIPT, worker, { JOIN_COMMAND: 'rm -rf /', NODE_NAME: 'worker-1', HOST_ROOT: '.' });
    expect([result.code, result.stderr.trim(), calls(worker)]).toEqual([1, 'the master published no kubeadm join command', []]);
  });
});

describe('the readiness, drain and reset scripts', () => {
  test('the readiness script waits for every node to register, then to be Ready', () => {
    runMaster();
    expect(run(NODES_READY_SCRIPT, master, { NODE_NAMES: 'master worker-1', WAIT_FOR_READY: 'true', NODES_READY_TIMEOUT: '60', HOST_ROOT: '.' }).code).toBe(0);
    // The wait gets what is left of the 60 s.
    expect(calls(master).slice(-3)).toEqual(['kubectl get node master', 'kubectl get node worker-1', expect.stringMatching(/^kubectl wait --for=condition=Ready node\/master node\/worker-1 --timeout=(60|59|58)s$/)]);
  });

  test('the drain script drains the node and deletes it through the admin kubeconfig', () => {
    runMaster();
    expect(run(DRAIN_SCRIPT, master, { NODE_NAME: 'worker-1', HOST_ROOT: '.', DRAIN_TIMEOUT: '300' }).code).toBe(0);
    expect(readRecordedCommands(master, { command: 'kubectl' }).slice(-3).map((call) => [call.args.join(' '), call.env.KUBECONFIG])).toEqual([
      ['get node worker-1', expect.stringMatching(/\/etc\/kubernetes\/admin\.conf$/)],
      ['drain worker-1 --ignore-daemonsets --delete-emptydir-data --force --timeout=300s', expect.stringMatching(/\/etc\/kubernetes\/admin\.conf$/)],
      ['delete node worker-1 --ignore-not-found', expect.stringMatching(/\/etc\/kubernetes\/admin\.conf$/)],
    ]);
  });

  test('the drain script does nothing once the control plane is gone', () => {
    const result = run(DRAIN_SCRIPT, master, { NODE_NAME: 'worker-1', HOST_ROOT: '.', DRAIN_TIMEOUT: '300' });
    expect([result.code, calls(master)]).toEqual([0, []]);
  });

  test("the reset script runs kubeadm reset -f and removes the pod network's configuration", () => {
    runMaster();
    fs.mkdirSync(path.join(master.rootDir, 'etc/cni/net.d'), { recursive: true });
    expect(run(RESET_SCRIPT, master, { HOST_ROOT: '.' }).code).toBe(0);
    expect([calls(master).pop(), fs.existsSync(path.join(master.rootDir, 'etc/kubernetes/admin.conf')), fs.existsSync(path.join(master.rootDir, 'etc/cni/net.d'))]).toEqual(['kubeadm reset -f', false, false]);
  });
});
