/**
 * A real Kubernetes control plane on loopback for integration tests: Debian's etcd, plus
 * kube-apiserver and kube-controller-manager built from Debian's kubernetes source package by
 * test/support/kubernetes/install.sh. There is no kubelet, scheduler or container runtime: use
 * node-simulator.ts to play the node.
 *
 * Everything listens on 127.0.0.1 only, and everything lives in one temporary directory that
 * stop() removes. Set HYBRID_K8S_TIMING=1 to print how long each start step waited.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { KubernetesApi, KubernetesCredentials } from './kubernetes-api';

const execFileAsync = promisify(execFile);

export const DEFAULT_BIN_DIR = '/var/cache/hybrid-test/kubernetes/bin';
export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';
const INSTALL_HINT = 'run test/support/kubernetes/install.sh as root first (it installs etcd and builds and caches the Kubernetes binaries)';

export interface ControlPlaneOptions {
  /** Where kube-apiserver and kube-controller-manager are; default $HYBRID_K8S_BIN_DIR or /var/cache/hybrid-test/kubernetes/bin. */
  binDir?: string;
  /** Start kube-controller-manager (default true). */
  controllerManager?: boolean;
  /** Extra flags, for example ['--v=4'] or ['--node-monitor-grace-period=10s']. */
  extraApiServerArgs?: string[];
  extraControllerManagerArgs?: string[];
  /** How long start and restart may take before failing (default 120 s: a busy shared machine can take 30 s). */
  startTimeoutMs?: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  server: string;
  /** An admin kubeconfig with the certificates embedded. */
  kubeconfigPath: string;
  caCertPath: string;
  /** The CA's key, to sign more certificates (the fault proxy's, for instance). */
  caKeyPath: string;
  /** A client certificate in group system:masters. */
  adminCertPath: string;
  adminKeyPath: string;
  credentials: KubernetesCredentials;
  tmpDir: string;
  /** Milliseconds that startControlPlane took. */
  startupMs: number;
  /** Process ids of the running etcd, kube-apiserver and kube-controller-manager. */
  processIds(): number[];
  /** A new API client as admin; close() it when done. */
  createApi(): KubernetesApi;
  /** Stops the API server and starts it again on the same port, then waits until it is ready. */
  restartApiServer(options?: StopApiServerOptions): Promise<void>;
  /** Stops the API server and leaves it stopped until startApiServer(). */
  stopApiServer(options?: StopApiServerOptions): Promise<void>;
  /** Starts the stopped API server again on the same port and waits until it is ready. */
  startApiServer(): Promise<void>;
  /** Kills every process it started (process groups) and removes tmpDir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StopApiServerOptions {
  /**
   * false (default): SIGKILL, a crash: open connections break at once.
   * true: SIGTERM, a clean shutdown; it can take up to the API server's 60 s shutdown timeout
   * while clients hold watches open.
   */
  graceful?: boolean;
}

export function kubernetesBinDir(options: ControlPlaneOptions = {}): string {
  return options.binDir ?? process.env.HYBRID_K8S_BIN_DIR ?? DEFAULT_BIN_DIR;
}

/** Throws an error that says how to install them when a needed binary is missing. */
export function assertControlPlaneBinaries(options: ControlPlaneOptions = {}): { etcd: string; apiServer: string; controllerManager: string; openssl: string } {
  const binDir = kubernetesBinDir(options);
  const binaries = {
    etcd: findOnPath('etcd'),
    openssl: findOnPath('openssl'),
    apiServer: path.join(binDir, 'kube-apiserver'),
    controllerManager: path.join(binDir, 'kube-controller-manager'),
  };
  const missing = Object.entries(binaries)
    .filter(([, file]) => !file || !isExecutable(file))
    .map(([name, file]) => (file ? file : name));
  if (missing.length > 0) {
    throw new Error(`The Kubernetes test control plane cannot start: missing ${missing.join(', ')}; ${INSTALL_HINT}.`);
  }
  return binaries as { etcd: string; apiServer: string; controllerManager: string; openssl: string };
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const started = Date.now();
  const binaries = assertControlPlaneBinaries(options);
  const timeoutMs = options.startTimeoutMs ?? 120000;
  // tmpfs when there is one: etcd syncs every write to disk, and the tests need no durability.
  const tmpRoot = isWritableDirectory('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const tmpDir = fs.mkdtempSync(path.join(tmpRoot, 'hybrid-k8s-'));
  const processes = new ProcessGroup(tmpDir);
  let api: KubernetesApi | undefined;
  try {
    const [etcdClientPort, etcdPeerPort, apiServerPort] = await freePorts(3);
    const server = `https://127.0.0.1:${apiServerPort}`;
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;

    const etcdArgs = [
      '--name=hybrid-test',
      `--data-dir=${path.join(tmpDir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
      `--initial-cluster=hybrid-test=http://127.0.0.1:${etcdPeerPort}`,
      '--initial-cluster-state=new',
      '--log-level=warn',
      '--logger=zap',
    ];
    processes.start('etcd', binaries.etcd, etcdArgs);
    const certificates = await createCertificates(tmpDir);
    await waitFor('etcd to be healthy', timeoutMs, processes, async () => (await httpGetStatus(`${etcdUrl}/health`)) === 200);

    const credentials: KubernetesCredentials = {
      server,
      caCertPath: certificates.caCert,
      clientCertPath: certificates.adminCert,
      clientKeyPath: certificates.adminKey,
    };
    const kubeconfigPath = path.join(tmpDir, 'admin.kubeconfig');
    writeKubeconfig(kubeconfigPath, credentials);

    // Admission: the API server's own defaults (a kubeadm cluster's set less NodeRestriction,
    // which only concerns real kubelets' credentials), so that objects are defaulted, finalized
    // and rejected as on a real cluster.
    const apiServerArgs = [
      '--advertise-address=127.0.0.1',
      '--bind-address=127.0.0.1',
      `--secure-port=${apiServerPort}`,
      '--insecure-port=0',
      `--etcd-servers=${etcdUrl}`,
      `--client-ca-file=${certificates.caCert}`,
      `--tls-cert-file=${certificates.servingCert}`,
      `--tls-private-key-file=${certificates.servingKey}`,
      `--service-account-key-file=${certificates.serviceAccountPublicKey}`,
      `--service-account-signing-key-file=${certificates.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--api-audiences=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=RBAC',
      `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
      '--allow-privileged=true',
      '--profiling=false',
      // The 'kubernetes' Service's Endpoints may not hold a loopback address (validation forbids
      // 127.0.0.0/8), so the API server would log a failure to reconcile them every 10 s.
      '--endpoint-reconciler-type=none',
      ...(options.extraApiServerArgs ?? []),
    ];
    const apiServer = new RestartableProcess(processes, 'kube-apiserver', binaries.apiServer, apiServerArgs);
    api = new KubernetesApi(credentials);
    const stopApiServer = (stopOptions: StopApiServerOptions = {}) => apiServer.stop(stopOptions.graceful ? 65000 : 0);
    const startApiServer = async () => {
      apiServer.start();
      const readinessApi = new KubernetesApi(credentials);
      try {
        await waitFor('kube-apiserver to be ready (/readyz)', timeoutMs, processes, async () => {
          const response = await readinessApi.get('/readyz', { accept: () => true, timeoutMs: 2000 }).catch(() => undefined);
          return response?.statusCode === 200;
        });
      } finally {
        readinessApi.close();
      }
    };
    await startApiServer();

    // Started only once the API server is ready: the controller manager exits when the API
    // server is not healthy within 10 s of its start, which a busy machine can exceed.
    if (options.controllerManager !== false) {
      processes.start('kube-controller-manager', binaries.controllerManager, [
        `--kubeconfig=${kubeconfigPath}`,
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        '--port=0',
        '--leader-elect=false',
        `--service-account-private-key-file=${certificates.serviceAccountKey}`,
        `--root-ca-file=${certificates.caCert}`,
        `--cluster-signing-cert-file=${certificates.caCert}`,
        `--cluster-signing-key-file=${certificates.caKey}`,
        '--use-service-account-credentials=false',
        `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        ...(options.extraControllerManagerArgs ?? []),
      ]);
      // On 1.20 the ServiceAccount admission plugin rejects pods until the namespace's default
      // service account has its token secret, which the controller manager creates.
      await waitFor('the default service account and its token in namespace default', timeoutMs, processes, async () => {
        const response = await api!.get('/api/v1/namespaces/default/serviceaccounts/default', { accept: () => true }).catch(() => undefined);
        return response?.statusCode === 200 && (response.body.secrets?.length ?? 0) > 0;
      });
    } else {
      await waitFor('namespace default', timeoutMs, processes, async () => {
        const response = await api!.get('/api/v1/namespaces/default', { accept: () => true }).catch(() => undefined);
        return response?.statusCode === 200;
      });
    }
    api.close();

    let stopped = false;
    return {
      server,
      kubeconfigPath,
      caCertPath: certificates.caCert,
      caKeyPath: certificates.caKey,
      adminCertPath: certificates.adminCert,
      adminKeyPath: certificates.adminKey,
      credentials,
      tmpDir,
      startupMs: Date.now() - started,
      createApi: () => new KubernetesApi(credentials),
      processIds: () => processes.processIds(),
      stopApiServer,
      startApiServer,
      async restartApiServer(stopOptions?: StopApiServerOptions) {
        await stopApiServer(stopOptions);
        await startApiServer();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await processes.stopAll();
        fs.rmSync(tmpDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    api?.close();
    await processes.stopAll();
    fs.rmSync(tmpDir, { recursive: true, force: true });
    throw error;
  }
}

/** Writes a kubeconfig for the given server and credentials, with the certificates embedded. */
export function writeKubeconfig(file: string, credentials: KubernetesCredentials, contextName = 'hybrid-test'): void {
  const base64 = (file: string) => fs.readFileSync(file).toString('base64');
  // JSON strings are YAML strings: no YAML library needed.
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${contextName}`,
    '  cluster:',
    `    server: ${JSON.stringify(credentials.server)}`,
    `    certificate-authority-data: ${base64(credentials.caCertPath)}`,
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${base64(credentials.clientCertPath)}`,
    `    client-key-data: ${base64(credentials.clientKeyPath)}`,
    'contexts:',
    `- name: ${contextName}`,
    '  context:',
    `    cluster: ${contextName}`,
    '    user: admin',
    '    namespace: default',
    `current-context: ${contextName}`,
    '',
  ].join('\n');
  fs.writeFileSync(file, text, { mode: 0o600 });
}

export interface Certificates {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

/** Creates a CA and the certificates the control plane needs (EC P-256: fast to generate). */
export async function createCertificates(directory: string): Promise<Certificates> {
  const dir = path.join(directory, 'pki');
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const certificates: Certificates = {
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    servingCert: file('apiserver.crt'),
    servingKey: file('apiserver.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    serviceAccountKey: file('service-account.key'),
    serviceAccountPublicKey: file('service-account.pub'),
  };
  const serviceAccountKey = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', certificates.serviceAccountKey]).then(() =>
    openssl(['pkey', '-in', certificates.serviceAccountKey, '-pubout', '-out', certificates.serviceAccountPublicKey]),
  );
  await openssl([
    'req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', certificates.caKey, '-out', certificates.caCert, '-days', '3650', '-subj', '/CN=hybrid-test-kubernetes-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  await Promise.all([
    signCertificate(dir, certificates.caCert, certificates.caKey, 'apiserver', '/CN=kube-apiserver', [
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1',
      'extendedKeyUsage=serverAuth',
    ]),
    signCertificate(dir, certificates.caCert, certificates.caKey, 'admin', '/O=system:masters/CN=hybrid-test-admin', ['extendedKeyUsage=clientAuth']),
    serviceAccountKey,
  ]);
  return certificates;
}

/** Creates <dir>/<name>.key and <dir>/<name>.crt signed by the CA; returns their paths. */
export async function signCertificate(dir: string, caCert: string, caKey: string, name: string, subject: string, extensions: string[]): Promise<{ cert: string; key: string }> {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  const request = path.join(dir, `${name}.csr`);
  const extensionFile = path.join(dir, `${name}.ext`);
  fs.writeFileSync(extensionFile, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', ...extensions].join('\n') + '\n');
  await openssl(['req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', key, '-out', request, '-subj', subject]);
  await openssl(['x509', '-req', '-in', request, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '365', '-extfile', extensionFile]);
  return { cert, key };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (error: any) {
    throw new Error(`openssl ${args.join(' ')} failed: ${error.stderr ?? error.message}`);
  }
}

/** The processes of one control plane, each in its own process group, logging to tmpDir/logs. */
class ProcessGroup {
  private readonly running = new Set<ChildProcess>();
  private readonly logDir: string;
  private failure: Error | undefined;

  constructor(tmpDir: string) {
    this.logDir = path.join(tmpDir, 'logs');
    fs.mkdirSync(this.logDir, { recursive: true });
  }

  /** Set when a process exited that nobody asked to stop: waitFor() fails fast with it. */
  get unexpectedExit(): Error | undefined {
    return this.failure;
  }

  processIds(): number[] {
    return [...this.running].map((child) => child.pid!);
  }

  start(name: string, command: string, args: string[]): ChildProcess {
    const logFile = path.join(this.logDir, `${name}.log`);
    const log = fs.openSync(logFile, 'a');
    const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.running.add(child);
    liveProcessGroups.add(child.pid!);
    (child as any).expectedExit = false;
    child.on('exit', (code, signal) => {
      this.running.delete(child);
      liveProcessGroups.delete(child.pid!);
      if (!(child as any).expectedExit) {
        this.failure = new Error(`${name} exited unexpectedly (code ${code}, signal ${signal}); last log lines:\n${tail(logFile, 30)}`);
      }
    });
    return child;
  }

  /** SIGTERM, then SIGKILL after killAfterMs (at once when 0). */
  async stop(child: ChildProcess, killAfterMs = 10000): Promise<void> {
    (child as any).expectedExit = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child.pid!, killAfterMs === 0 ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), killAfterMs);
    await exited;
    clearTimeout(timer);
    // The group leader is gone; kill anything it left in its group.
    signalGroup(child.pid!, 'SIGKILL');
  }

  async stopAll(): Promise<void> {
    // Controller manager first, etcd last: the order in which they depend on each other.
    await Promise.all([...this.running].reverse().map((child) => this.stop(child)));
  }
}

class RestartableProcess {
  private child: ChildProcess | undefined;

  constructor(
    private readonly group: ProcessGroup,
    private readonly name: string,
    private readonly command: string,
    private readonly args: string[],
  ) {}

  start(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    this.child = this.group.start(this.name, this.command, this.args);
  }

  async stop(killAfterMs?: number): Promise<void> {
    if (this.child) await this.group.stop(this.child, killAfterMs);
  }
}

// Process groups still running, killed when the test process exits without calling stop().
const liveProcessGroups = new Set<number>();
process.on('exit', () => {
  for (const pid of liveProcessGroups) signalGroup(pid, 'SIGKILL');
});

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

async function waitFor(what: string, timeoutMs: number, processes: ProcessGroup, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const started = Date.now();
  for (;;) {
    if (processes.unexpectedExit) throw processes.unexpectedExit;
    if (await check()) {
      if (process.env.HYBRID_K8S_TIMING) console.log(`waited ${Date.now() - started} ms for ${what}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function httpGetStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/** Ports free on 127.0.0.1 right now, all different. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin'])) {
    const candidate = path.join(dir, command);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isWritableDirectory(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
