/**
 * A proxy on 127.0.0.1 in front of the API server that injects faults. See SPEC.md beside this file.
 *
 * - 'tcp' mode passes bytes through untouched (TLS included): it can drop connections, delay
 *   traffic and refuse new connections.
 * - 'tls' mode terminates TLS with its own certificate (signed by the control plane's CA, for
 *   127.0.0.1) and sends each request on to the API server as the admin client, so that it can
 *   also answer chosen requests itself with 429 or 500.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import { signCertificate } from './control-plane';

export interface FaultProxyTlsOptions {
  caCertPath: string;
  caKeyPath: string;
  /** The identity the proxy uses towards the API server. */
  clientCertPath: string;
  clientKeyPath: string;
  /** Where the proxy's own key and certificate are written. */
  workDir: string;
}

export interface FaultProxyOptions {
  /** The API server, https://127.0.0.1:<port>. */
  target: string;
  mode?: 'tcp' | 'tls';
  /** Needed in 'tls' mode. */
  tls?: FaultProxyTlsOptions;
  /** The loopback address to listen on; in 'tls' mode the certificate names it too. @default '127.0.0.1' */
  address?: string;
  /** The port to listen on. @default - a free one */
  port?: number;
}

export interface InjectedResponseRule {
  /** GET, POST, ...; any method when absent. */
  method?: string;
  /** An exact path (without the query) when a string; tested against path and query when a pattern. */
  path: string | RegExp;
  status: number;
  /** How many matching requests get the injected answer (default 1). */
  count?: number;
  /** Sent as the Retry-After header (default 1 for 429, none otherwise). */
  retryAfterSeconds?: number;
}

export interface InjectedResponse {
  method: string;
  url: string;
  status: number;
}

/** Starts a proxy; a ControlPlane can be passed for the target and TLS material. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = new FaultProxy(options);
  await proxy.acceptConnections();
  return proxy;
}

/** The options for a 'tls' mode proxy in front of a control plane started by startControlPlane. */
export function tlsProxyOptionsFor(controlPlane: { server: string; caCertPath: string; caKeyPath: string; adminCertPath: string; adminKeyPath: string; tmpDir: string }): FaultProxyOptions {
  return {
    target: controlPlane.server,
    mode: 'tls',
    tls: {
      caCertPath: controlPlane.caCertPath,
      caKeyPath: controlPlane.caKeyPath,
      clientCertPath: controlPlane.adminCertPath,
      clientKeyPath: controlPlane.adminKeyPath,
      workDir: controlPlane.tmpDir,
    },
  };
}

export class FaultProxy {
  /** Requests answered by the proxy itself ('tls' mode). */
  readonly injected: InjectedResponse[] = [];
  /** Requests passed on to the API server ('tls' mode). */
  readonly forwarded: Array<{ method: string; url: string }> = [];

  private readonly target: URL;
  private readonly mode: 'tcp' | 'tls';
  private readonly sockets = new Set<net.Socket>();
  private readonly rules: Array<InjectedResponseRule & { remaining: number }> = [];
  private server: net.Server | undefined;
  private listenPort = 0;
  private delayMs = 0;
  private tlsMaterial: { key: Buffer; cert: Buffer } | undefined;
  private upstreamAgent: https.Agent | undefined;

  constructor(private readonly options: FaultProxyOptions) {
    if (options.address !== undefined && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(options.address)) throw new Error(`the fault proxy listens on loopback addresses only, got ${options.address}`);
    this.listenPort = options.port ?? 0;
    this.target = new URL(options.target);
    this.mode = options.mode ?? 'tcp';
    if (this.mode === 'tls' && !options.tls) throw new Error("The fault proxy's 'tls' mode needs the tls options (see tlsProxyOptionsFor)");
  }

  get port(): number {
    return this.listenPort;
  }

  /** https://<address>:<port>: use it as the server in place of the API server's URL. */
  get url(): string {
    return `https://${this.address}:${this.listenPort}`;
  }

  /** The address it listens on. */
  get address(): string {
    return this.options.address ?? '127.0.0.1';
  }

  /** Connections currently open from clients. */
  get openConnections(): number {
    return this.sockets.size;
  }

  /** Resets every open connection (clients see ECONNRESET or "socket hang up"). New connections still work. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  /** Holds back every chunk ('tcp') or request ('tls') by this long; 0 to stop. */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Stops listening, so that new connections are refused (ECONNREFUSED); open ones go on. */
  async refuseConnections(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => {
      server.close(() => resolve());
      // close() waits for open connections; the listening socket itself is already closed.
      setImmediate(resolve);
    });
  }

  /** Listens again (on the same port after refuseConnections). */
  async acceptConnections(): Promise<void> {
    if (this.server) return;
    const server = this.mode === 'tcp' ? net.createServer((socket) => this.passThrough(socket)) : await this.createTlsServer();
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, this.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.listenPort = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** The next `count` requests matching the rule get `status` from the proxy instead of the API server ('tls' mode only). */
  injectResponses(rule: InjectedResponseRule): void {
    if (this.mode !== 'tls') throw new Error("Injecting HTTP responses needs the fault proxy's 'tls' mode: in 'tcp' mode the requests are encrypted");
    this.rules.push({ ...rule, remaining: rule.count ?? 1 });
  }

  clearInjectedResponses(): void {
    this.rules.length = 0;
  }

  async stop(): Promise<void> {
    await this.refuseConnections();
    this.dropConnections();
    this.upstreamAgent?.destroy();
  }

  private passThrough(client: net.Socket): void {
    const upstream = net.connect(Number(this.target.port), this.target.hostname);
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    this.forward(client, upstream);
    this.forward(upstream, client);
  }

  /** Copies from one socket to the other, each chunk held back by the current delay, in order. */
  private forward(from: net.Socket, to: net.Socket): void {
    let queue = Promise.resolve();
    let queued = 0;
    from.on('data', (chunk) => {
      const delay = this.delayMs;
      if (delay === 0 && queued === 0) {
        to.write(chunk);
        return;
      }
      const due = Date.now() + delay;
      queued++;
      queue = queue.then(() => sleep(due - Date.now())).then(() => {
        queued--;
        if (!to.destroyed) to.write(chunk);
      });
    });
    from.on('end', () => queue.then(() => to.end()));
  }

  private async createTlsServer(): Promise<https.Server> {
    const tls = this.options.tls!;
    if (!this.tlsMaterial) {
      const dir = path.join(tls.workDir, 'fault-proxy-pki');
      fs.mkdirSync(dir, { recursive: true });
      const { cert, key } = await signCertificate(dir, tls.caCertPath, tls.caKeyPath, 'fault-proxy', '/CN=hybrid-test-fault-proxy', [`subjectAltName=IP:127.0.0.1,DNS:localhost${this.address === '127.0.0.1' ? '' : `,IP:${this.address}`}`, 'extendedKeyUsage=serverAuth']);
      this.tlsMaterial = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
      this.upstreamAgent = new https.Agent({
        keepAlive: true,
        ca: fs.readFileSync(tls.caCertPath),
        cert: fs.readFileSync(tls.clientCertPath),
        key: fs.readFileSync(tls.clientKeyPath),
      });
    }
    return https.createServer(this.tlsMaterial, (request, response) => {
      const delay = this.delayMs;
      if (delay > 0) setTimeout(() => this.handle(request, response), delay);
      else this.handle(request, response);
    });
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    const rule = this.rules.find((candidate) => candidate.remaining > 0 && matches(candidate, method, url));
    if (rule) {
      rule.remaining--;
      this.injected.push({ method, url, status: rule.status });
      request.resume();
      this.answer(response, rule);
      return;
    }
    this.forwarded.push({ method, url });
    const headers: http.OutgoingHttpHeaders = { ...request.headers, host: this.target.host };
    for (const hopByHop of ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']) delete headers[hopByHop];
    const upstream = https.request({
      host: this.target.hostname,
      port: Number(this.target.port),
      method,
      path: url,
      headers,
      agent: this.upstreamAgent,
    });
    upstream.on('response', (upstreamResponse) => {
      const responseHeaders: http.OutgoingHttpHeaders = { ...upstreamResponse.headers };
      for (const hopByHop of ['connection', 'keep-alive', 'transfer-encoding']) delete responseHeaders[hopByHop];
      response.writeHead(upstreamResponse.statusCode ?? 502, responseHeaders);
      response.flushHeaders();
      upstreamResponse.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  }

  /** The API server's own wording: max-in-flight and priority-and-fairness answer 429 in plain text; other errors are Status objects. */
  private answer(response: http.ServerResponse, rule: InjectedResponseRule): void {
    const retryAfter = rule.retryAfterSeconds ?? (rule.status === 429 ? 1 : undefined);
    if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
    if (rule.status === 429) {
      response.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      response.end('Too many requests, please try again later.\n');
      return;
    }
    const message = 'Internal error occurred: injected by the hybrid test fault proxy';
    response.writeHead(rule.status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason: STATUS_REASONS[rule.status] ?? 'InternalError',
      details: { causes: [{ message: 'injected by the hybrid test fault proxy' }], ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) },
      code: rule.status,
    }));
  }
}

const STATUS_REASONS: Record<number, string> = { 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout' };

function matches(rule: InjectedResponseRule, method: string, url: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (typeof rule.path === 'string') return url.split('?')[0] === rule.path;
  rule.path.lastIndex = 0;
  return rule.path.test(url);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
