/**
 * Where a Kubernetes provider operation connects, found the way kubectl finds it: the node's
 * `client_config` (kubeconfig content, a kubeconfig path, a context, in-cluster), else
 * KUBECONFIG (a list of files merged, the first to set a value wins), else ~/.kube/config, else
 * the pod's service account. Credentials (keys, tokens, the content itself) are registered as
 * secrets so they are masked in every event and error.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { NonRecoverableError, OperationContext } from '../../engine/provider';

const SERVICE_ACCOUNT_DIRECTORY = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Everything needed to open TLS connections to one cluster as one user. */
export interface ClusterConnection {
  /** `https://host:port`, no trailing slash. */
  readonly server: string;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
  /** A token file re-read on every request (projected service-account tokens rotate). */
  readonly tokenFile?: string;
  readonly username?: string;
  readonly password?: string;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  /** The context's namespace, or `default`. */
  readonly namespace: string;
  /** `context "x" of /home/me/.kube/config`: where the settings came from, for messages. */
  readonly source: string;
  /**
   * Set when the user authenticates through an exec plugin or an auth provider: the kubeconfig
   * (as one document, file paths made absolute) and context for @kubernetes/client-node, which
   * runs those plugins.
   */
  readonly plugin?: { readonly kubeconfig: string; readonly context: string };
  /** A stable key for reusing connections within a run. */
  readonly cacheKey: string;
}

/** The `client_config` property of a Kubernetes node. */
export interface ClientConfig {
  readonly kubeconfig?: string | { [key: string]: any };
  readonly kubeconfig_path?: string;
  readonly context?: string;
  readonly in_cluster?: boolean;
}

interface KubeconfigFile {
  readonly document: any;
  /** The directory relative paths in the file are taken from. */
  readonly directory: string;
  readonly origin: string;
}

/** Resolves a node's client_config (and the environment) to a connection. */
export function resolveConnection(context: OperationContext, environment: NodeJS.ProcessEnv = process.env): ClusterConnection {
  const config = clientConfig(context.instance.properties.client_config);
  const contextName = config.context;
  if (config.kubeconfig !== undefined && config.kubeconfig !== '') {
    const content = config.kubeconfig;
    if (typeof content === 'string') context.registerSecret(content);
    const document = typeof content === 'string' ? parseKubeconfig(content, 'client_config.kubeconfig') : content;
    return fromKubeconfig(context, [{ document, directory: context.baseDirectory, origin: 'client_config.kubeconfig' }], contextName);
  }
  if (config.kubeconfig_path) {
    const file = path.resolve(context.baseDirectory, expandHome(config.kubeconfig_path, environment));
    return fromKubeconfig(context, [readKubeconfig(file)], contextName);
  }
  if (config.in_cluster) return inCluster(environment);
  const fromEnvironment = (environment.KUBECONFIG ?? '').split(path.delimiter).filter((file) => file !== '');
  if (fromEnvironment.length > 0) {
    const existing = fromEnvironment.filter((file) => fs.existsSync(file));
    if (existing.length === 0) throw new NonRecoverableError(`KUBECONFIG names ${fromEnvironment.join(', ')}, and none of these files exists`);
    return fromKubeconfig(context, existing.map((file) => readKubeconfig(file)), contextName);
  }
  const home = path.join(environment.HOME ?? os.homedir(), '.kube', 'config');
  if (fs.existsSync(home)) return fromKubeconfig(context, [readKubeconfig(home)], contextName);
  if (environment.KUBERNETES_SERVICE_HOST) return inCluster(environment);
  throw new NonRecoverableError(
    'no Kubernetes cluster configured: set KUBECONFIG, create ~/.kube/config, or give the objects a cluster (K8sCluster.fromKubeconfig)',
  );
}

function clientConfig(value: unknown): ClientConfig {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new NonRecoverableError(`property 'client_config' must be a dict, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  const config = value as ClientConfig;
  for (const name of ['kubeconfig_path', 'context'] as const) {
    if (config[name] !== undefined && config[name] !== null && typeof config[name] !== 'string') {
      throw new NonRecoverableError(`client_config.${name} must be a string, got ${typeof config[name]}`);
    }
  }
  return config;
}

function expandHome(file: string, environment: NodeJS.ProcessEnv): string {
  return file === '~' || file.startsWith('~/') ? path.join(environment.HOME ?? os.homedir(), file.slice(1)) : file;
}

function parseKubeconfig(text: string, origin: string): any {
  let document: any;
  try {
    document = yaml.load(text);
  } catch (error) {
    // The YAML error would quote the content, which holds credentials.
    throw new NonRecoverableError(`${origin} is not a valid kubeconfig (YAML parse error at line ${((error as any).mark?.line ?? 0) + 1})`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new NonRecoverableError(`${origin} is not a kubeconfig (expected a YAML mapping)`);
  return document;
}

function readKubeconfig(file: string): KubeconfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new NonRecoverableError(`cannot read the kubeconfig ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return { document: parseKubeconfig(text, file), directory: path.dirname(file), origin: file };
}

/** A named entry of a kubeconfig list (`clusters`, `users`, `contexts`), first file first. */
function named(files: ReadonlyArray<KubeconfigFile>, list: string, name: string): { value: any; file: KubeconfigFile } | undefined {
  for (const file of files) {
    const entries = file.document[list];
    if (!Array.isArray(entries)) continue;
    const entry = entries.find((candidate: any) => candidate?.name === name);
    if (entry) return { value: entry[list === 'clusters' ? 'cluster' : list === 'users' ? 'user' : 'context'] ?? {}, file };
  }
  return undefined;
}

function fromKubeconfig(context: OperationContext, files: ReadonlyArray<KubeconfigFile>, requestedContext: string | undefined): ClusterConnection {
  const origins = files.map((file) => file.origin).join(', ');
  const contextName = requestedContext || files.map((file) => file.document['current-context']).find((name) => typeof name === 'string' && name !== '');
  if (!contextName) throw new NonRecoverableError(`${origins} sets no current-context; name one with the cluster's context`);
  const found = named(files, 'contexts', contextName);
  if (!found) {
    const known = files.flatMap((file) => (Array.isArray(file.document.contexts) ? file.document.contexts.map((entry: any) => entry?.name) : [])).filter(Boolean);
    throw new NonRecoverableError(`${origins} has no context "${contextName}" (contexts: ${known.join(', ') || 'none'})`);
  }
  const contextEntry = found.value;
  const cluster = named(files, 'clusters', contextEntry.cluster);
  if (!cluster) throw new NonRecoverableError(`context "${contextName}" names cluster "${contextEntry.cluster}", which ${origins} does not define`);
  const user = contextEntry.user ? named(files, 'users', contextEntry.user) : undefined;
  if (contextEntry.user && !user) throw new NonRecoverableError(`context "${contextName}" names user "${contextEntry.user}", which ${origins} does not define`);
  const source = `context "${contextName}" of ${origins}`;
  const clusterValue = cluster.value;
  const userValue = user?.value ?? {};
  if (typeof clusterValue.server !== 'string' || !/^https?:\/\//.test(clusterValue.server)) {
    throw new NonRecoverableError(`cluster "${contextEntry.cluster}" in ${cluster.file.origin} has no server URL (https://host:port)`);
  }
  const fileOrData = (entry: any, file: KubeconfigFile, fileKey: string, dataKey: string, secret: boolean): Buffer | undefined => {
    if (typeof entry[dataKey] === 'string' && entry[dataKey] !== '') {
      if (secret) context.registerSecret(entry[dataKey]);
      const decoded = Buffer.from(entry[dataKey], 'base64');
      if (secret) context.registerSecret(decoded.toString('utf8'));
      return decoded;
    }
    if (typeof entry[fileKey] === 'string' && entry[fileKey] !== '') {
      const full = path.resolve(file.directory, entry[fileKey]);
      try {
        const content = fs.readFileSync(full);
        if (secret) context.registerSecret(content.toString('utf8'));
        return content;
      } catch (error) {
        throw new NonRecoverableError(`cannot read ${fileKey} ${full} named by ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    return undefined;
  };
  const ca = fileOrData(clusterValue, cluster.file, 'certificate-authority', 'certificate-authority-data', false);
  const cert = user ? fileOrData(userValue, user.file, 'client-certificate', 'client-certificate-data', false) : undefined;
  const key = user ? fileOrData(userValue, user.file, 'client-key', 'client-key-data', true) : undefined;
  for (const secret of [userValue.token, userValue.password]) if (typeof secret === 'string') context.registerSecret(secret);
  const tokenFile = typeof userValue.tokenFile === 'string' && userValue.tokenFile !== '' ? path.resolve(user!.file.directory, userValue.tokenFile) : undefined;
  const usesPlugin = userValue.exec !== undefined || userValue['auth-provider'] !== undefined;
  return {
    server: clusterValue.server.replace(/\/+$/, ''),
    ca,
    cert,
    key,
    token: typeof userValue.token === 'string' && userValue.token !== '' ? userValue.token : undefined,
    tokenFile,
    username: typeof userValue.username === 'string' ? userValue.username : undefined,
    password: typeof userValue.password === 'string' ? userValue.password : undefined,
    insecureSkipTlsVerify: clusterValue['insecure-skip-tls-verify'] === true,
    tlsServerName: typeof clusterValue['tls-server-name'] === 'string' ? clusterValue['tls-server-name'] : undefined,
    namespace: typeof contextEntry.namespace === 'string' && contextEntry.namespace !== '' ? contextEntry.namespace : 'default',
    source,
    ...(usesPlugin ? { plugin: { kubeconfig: pluginKubeconfig(contextName, contextEntry, cluster, user!), context: contextName } } : {}),
    cacheKey: JSON.stringify([clusterValue.server, contextName, contextEntry.user ?? '', origins, ca?.length ?? 0, cert?.toString('base64') ?? '', userValue.token ?? '']),
  };
}

/** One self-contained kubeconfig document for the plugin path: file paths made absolute. */
function pluginKubeconfig(contextName: string, contextEntry: any, cluster: { value: any; file: KubeconfigFile }, user: { value: any; file: KubeconfigFile }): string {
  const absolute = (entry: any, file: KubeconfigFile, keys: string[]) => {
    const copy = { ...entry };
    for (const key of keys) if (typeof copy[key] === 'string' && copy[key] !== '') copy[key] = path.resolve(file.directory, copy[key]);
    return copy;
  };
  const userValue = absolute(user.value, user.file, ['client-certificate', 'client-key', 'tokenFile']);
  if (userValue.exec && typeof userValue.exec.command === 'string' && /^\.{1,2}\//.test(userValue.exec.command)) {
    userValue.exec = { ...userValue.exec, command: path.resolve(user.file.directory, userValue.exec.command) };
  }
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: contextEntry.cluster, cluster: absolute(cluster.value, cluster.file, ['certificate-authority']) }],
    users: [{ name: contextEntry.user, user: userValue }],
    contexts: [{ name: contextName, context: contextEntry }],
    'current-context': contextName,
  });
}

/** The pod's own service account, as client-go's rest.InClusterConfig reads it. */
function inCluster(environment: NodeJS.ProcessEnv): ClusterConnection {
  const host = environment.KUBERNETES_SERVICE_HOST;
  const port = environment.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new NonRecoverableError('in-cluster configuration needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (hybrid is not running in a pod)');
  const directory = environment.HYBRID_KUBERNETES_SERVICE_ACCOUNT_DIR ?? SERVICE_ACCOUNT_DIRECTORY;
  const tokenFile = path.join(directory, 'token');
  if (!fs.existsSync(tokenFile)) throw new NonRecoverableError(`in-cluster configuration needs the service account token ${tokenFile}`);
  const caFile = path.join(directory, 'ca.crt');
  const namespaceFile = path.join(directory, 'namespace');
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    server,
    ca: fs.existsSync(caFile) ? fs.readFileSync(caFile) : undefined,
    tokenFile,
    insecureSkipTlsVerify: false,
    namespace: fs.existsSync(namespaceFile) ? fs.readFileSync(namespaceFile, 'utf8').trim() || 'default' : 'default',
    source: `the in-cluster service account (${directory})`,
    cacheKey: JSON.stringify(['in-cluster', server, directory]),
  };
}
