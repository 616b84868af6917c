import { Construct } from 'constructs';
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkPort, checkString, checkWhole } from '../../lib/core/validate';

const HOST_BRAND = Symbol.for('hybrid.Host');
const HOST_AUTH_BRAND = Symbol.for('hybrid.HostAuth');
const HOST_KEY_BRAND = Symbol.for('hybrid.HostKey');
const SUDO_BRAND = Symbol.for('hybrid.Sudo');

/** Options of a key file. */
export interface KeyFileOptions {
  /** The passphrase of an encrypted key, as a secret (`Secret.fromName(...)`). @default - the key is not encrypted */
  readonly passphrase?: Ref;
}

/** Options of a private key given as a secret. */
export interface SecretKeyOptions {
  /** The passphrase of an encrypted key, as a secret. @default - the key is not encrypted */
  readonly passphrase?: Ref;
}

/** How hybrid logs in to a Host. */
export class HostAuth {
  /** True for any HostAuth, even one made by another copy of this library. */
  public static isHostAuth(x: any): x is HostAuth {
    return typeof x === 'object' && x !== null && x[HOST_AUTH_BRAND] === true;
  }

  /**
   * A private key file on the deploying machine (OpenSSH, PEM or PuTTY format). `~/` is the
   * deploying user's home; a relative path is taken from the project directory.
   */
  public static keyFile(path: string | Ref, options: KeyFileOptions = {}): HostAuth {
    return new HostAuth({ method: 'key_file', path, ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}) }, 'HostAuth.keyFile', path, options.passphrase);
  }

  /**
   * A private key held in a hybrid secret (`Secret.fromName('deploy-key')`): it never appears in
   * the blueprint, state, logs or errors.
   */
  public static keyFromSecret(privateKey: Ref, options: SecretKeyOptions = {}): HostAuth {
    return new HostAuth({ method: 'private_key', private_key: privateKey, ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}) }, 'HostAuth.keyFromSecret', privateKey, options.passphrase);
  }

  /** The keys of a running ssh-agent: the socket given, else `SSH_AUTH_SOCK` when hybrid runs. */
  public static agent(socket?: string): HostAuth {
    return new HostAuth({ method: 'agent', ...(socket !== undefined ? { socket } : {}) }, 'HostAuth.agent', socket);
  }

  private constructor(private readonly property: { [key: string]: any }, private readonly factory: string, private readonly main: unknown, private readonly passphrase?: unknown) {
    Object.defineProperty(this, HOST_AUTH_BRAND, { value: true });
  }

  /** The Host's `auth` property value. */
  public toProperty(): { [key: string]: any } {
    return { ...this.property };
  }

  /** Checks the values given to the factory; `node` names the construct in messages. */
  public validate(node: NodeTemplate): void {
    const method = this.property.method;
    if (method === 'key_file') checkString(node, `auth (${this.factory}) path`, this.main, { nonEmpty: true });
    if (method === 'private_key' && !Ref.isRef(this.main)) {
      throw invalidProps(node, `${this.factory} takes a secret reference such as Secret.fromName('deploy-key'), so the key never lands in the blueprint; got ${typeof this.main === 'string' ? 'a plain string' : describeValue(this.main)}`);
    }
    if (method === 'agent' && this.main !== undefined) checkString(node, `auth (${this.factory}) socket`, this.main, { nonEmpty: true });
    if (this.passphrase !== undefined && !Ref.isRef(this.passphrase)) {
      throw invalidProps(node, `the key passphrase of ${this.factory} must be a secret reference such as Secret.fromName('key-passphrase'), got ${typeof this.passphrase === 'string' ? 'a plain string' : describeValue(this.passphrase)}`);
    }
  }
}

/** How hybrid knows a Host is the machine it claims to be. */
export class HostKey {
  /** True for any HostKey, even one made by another copy of this library. */
  public static isHostKey(x: any): x is HostKey {
    return typeof x === 'object' && x !== null && x[HOST_KEY_BRAND] === true;
  }

  /**
   * The host's key must be listed in a known_hosts file on the deploying machine (OpenSSH's
   * format, hashed names included), as `ssh` with StrictHostKeyChecking=yes requires.
   * @param file the file; `~/` is the deploying user's home. @default '~/.ssh/known_hosts'
   */
  public static knownHosts(file?: string): HostKey {
    return new HostKey({ known_hosts: file ?? '~/.ssh/known_hosts' });
  }

  /** The host's key must have this SHA256 fingerprint, as `ssh-keygen -lf key.pub` prints it (`SHA256:…`). */
  public static fingerprint(fingerprint: string): HostKey {
    return new HostKey({ fingerprint });
  }

  /**
   * Trust the key the host presents the first time hybrid connects, record it in state, and
   * refuse any other key afterwards. Use only where the first connection cannot be intercepted.
   */
  public static trustOnFirstUse(): HostKey {
    return new HostKey({ trust_on_first_use: true });
  }

  private constructor(private readonly property: { [key: string]: any }) {
    Object.defineProperty(this, HOST_KEY_BRAND, { value: true });
  }

  /** The Host's `host_key` property value. */
  public toProperty(): { [key: string]: any } {
    return { ...this.property };
  }

  /** Checks the values given to the factory. */
  public validate(node: NodeTemplate): void {
    const fingerprint = this.property.fingerprint;
    if (fingerprint !== undefined && (typeof fingerprint !== 'string' || !/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint))) {
      throw invalidProps(node, `HostKey.fingerprint takes a SHA256 fingerprint as \`ssh-keygen -lf\` prints it ('SHA256:' and 43 base64 characters), got ${describeValue(fingerprint)}`);
    }
    if (this.property.known_hosts !== undefined) checkString(node, 'HostKey.knownHosts file', this.property.known_hosts, { nonEmpty: true });
  }
}

/** How commands with `sudo: true` become root on a Host. */
export class Sudo {
  /** True for any Sudo, even one made by another copy of this library. */
  public static isSudo(x: any): x is Sudo {
    return typeof x === 'object' && x !== null && x[SUDO_BRAND] === true;
  }

  /** The login user may use sudo without a password (NOPASSWD in sudoers). */
  public static noPassword(): Sudo {
    return new Sudo(undefined);
  }

  /** sudo asks for the login user's password, given as a secret (`Secret.fromName('sudo-password')`). */
  public static withPassword(password: Ref): Sudo {
    return new Sudo(password);
  }

  private constructor(private readonly password: Ref | undefined) {
    Object.defineProperty(this, SUDO_BRAND, { value: true });
  }

  /** The Host's `sudo` property value. */
  public toProperty(): { [key: string]: any } {
    return this.password === undefined ? {} : { password: this.password };
  }

  /** Checks the values given to the factory. */
  public validate(node: NodeTemplate): void {
    if (this.password !== undefined && !Ref.isRef(this.password)) {
      throw invalidProps(node, `Sudo.withPassword takes a secret reference such as Secret.fromName('sudo-password'), got ${typeof this.password === 'string' ? 'a plain string' : describeValue(this.password)}`);
    }
  }
}

/** The operating system family of a Host. */
export enum HostOs {
  LINUX = 'linux',
  FREEBSD = 'freebsd',
  DARWIN = 'darwin',
}

/** How hybrid reaches a machine over SSH: the props Host and WindowsHost share. */
export interface SshConnectionProps {
  /** Host name or IP address (a Ref to another node's attribute works, e.g. a server's IP). */
  readonly address: string | Ref;
  /** SSH port. @default 22 */
  readonly port?: number | Ref;
  /** Login user. */
  readonly user: string | Ref;
  /** How hybrid logs in: `HostAuth.keyFile(...)`, `HostAuth.keyFromSecret(...)` or `HostAuth.agent()`. */
  readonly auth: HostAuth;
  /** How hybrid verifies the host's key. @default HostKey.knownHosts() (~/.ssh/known_hosts) */
  readonly hostKey?: HostKey;
  /** An SSH jump host hybrid connects through (it is deployed, and so verified, first). @default - a direct connection */
  readonly bastion?: Host;
  /** At most this many operations run on the host at once, over one connection. @default 4 */
  readonly concurrency?: number;
  /** Seconds to wait for the connection and the SSH handshake. @default 20 */
  readonly connectTimeout?: number;
  /** Seconds between SSH keepalives (3 unanswered ones end the connection); 0 turns them off. @default 15 */
  readonly keepaliveInterval?: number;
}

/**
 * Checks the SSH connection props and sets them on a host's node template (address, port, user,
 * auth, host_key, bastion, concurrency, connect_timeout, keepalive_interval); the node then
 * depends on its bastion. Not part of the public API: Host and WindowsHost call it.
 */
export function applySshConnection(node: NodeTemplate, props: SshConnectionProps): void {
  checkString(node, 'address', props.address, { nonEmpty: true });
  if (typeof props.address === 'string' && /[\s/@\\]/.test(props.address)) {
    throw invalidProps(node, `address must be a host name or IP address (no spaces, '/', '\\' or '@'; the user goes in 'user'), got ${describeValue(props.address)}`);
  }
  checkString(node, 'user', props.user, { nonEmpty: true });
  checkPort(node, 'port', props.port);
  checkWhole(node, 'concurrency', props.concurrency, 1, 64, { refs: false });
  checkWhole(node, 'connectTimeout', props.connectTimeout, 1, 3600, { refs: false });
  checkWhole(node, 'keepaliveInterval', props.keepaliveInterval, 0, 3600, { refs: false });
  if (!HostAuth.isHostAuth(props.auth)) {
    throw invalidProps(node, `auth must be made with HostAuth.keyFile(path), HostAuth.keyFromSecret(secret) or HostAuth.agent(), got ${describeValue(props.auth)}`);
  }
  props.auth.validate(node);
  const hostKey = props.hostKey ?? HostKey.knownHosts();
  if (!HostKey.isHostKey(hostKey)) {
    throw invalidProps(node, `hostKey must be made with HostKey.knownHosts(), HostKey.fingerprint('SHA256:…') or HostKey.trustOnFirstUse(), got ${describeValue(hostKey)}`);
  }
  hostKey.validate(node);
  if (props.bastion !== undefined && !Host.isHost(props.bastion)) throw invalidProps(node, `bastion must be a Host (an SSH jump host), got ${describeValue(props.bastion)}`);

  node.setProperty('address', props.address);
  if (props.port !== undefined) node.setProperty('port', props.port);
  node.setProperty('user', props.user);
  node.setProperty('auth', props.auth.toProperty());
  node.setProperty('host_key', hostKey.toProperty());
  if (props.bastion) {
    node.setProperty('bastion', connectionOf(props.bastion));
    node.dependsOn(props.bastion);
  }
  if (props.concurrency !== undefined) node.setProperty('concurrency', props.concurrency);
  if (props.connectTimeout !== undefined) node.setProperty('connect_timeout', props.connectTimeout);
  if (props.keepaliveInterval !== undefined) node.setProperty('keepalive_interval', props.keepaliveInterval);
}

/** How to reach a host, as a host behind it holds it in its `bastion` property. */
function connectionOf(host: Host): { [key: string]: any } {
  const connection: { [key: string]: any } = {};
  for (const key of ['address', 'port', 'user', 'auth', 'host_key', 'bastion']) if (host.properties[key] !== undefined) connection[key] = host.properties[key];
  return connection;
}

/** Props of a Host. */
export interface HostProps extends SshConnectionProps {
  /** Operating system family. @default HostOs.LINUX */
  readonly os?: HostOs;
  /** How `sudo: true` commands become root. @default Sudo.noPassword() */
  readonly sudo?: Sudo;
  /** Where scripts are staged on the host (a private directory per run, removed afterwards). @default '/tmp' */
  readonly tempDirectory?: string;
}

/**
 * An existing machine reached over SSH: a bare-metal server, a VM made elsewhere. Deploy connects
 * to it (verifying its host key and the login) and records facts about it; destroy leaves it
 * alone. Put RemoteCommand, RemoteScript and RemoteFile on it.
 */
export class Host extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.ssh.Host';

  /** True for any Host, even one made by another copy of this library. */
  public static isHost(x: any): x is Host {
    return typeof x === 'object' && x !== null && x[HOST_BRAND] === true;
  }

  constructor(scope: Construct, id: string, props: HostProps) {
    super(scope, id, { type: Host.NODE_TYPE });
    Object.defineProperty(this, HOST_BRAND, { value: true });
    applySshConnection(this, props);
    const sudo = props.sudo ?? Sudo.noPassword();
    if (!Sudo.isSudo(sudo)) throw invalidProps(this, `sudo must be made with Sudo.noPassword() or Sudo.withPassword(secret), got ${describeValue(sudo)}`);
    sudo.validate(this);
    if (props.os !== undefined && !Object.values(HostOs).includes(props.os)) {
      throw invalidProps(this, `os must be one of ${Object.values(HostOs).join(', ')} (Windows hosts are WindowsHost), got ${describeValue(props.os)}`);
    }
    if (props.tempDirectory !== undefined && (typeof props.tempDirectory !== 'string' || !/^\/[A-Za-z0-9/._+-]*$/.test(props.tempDirectory))) {
      throw invalidProps(this, `tempDirectory must be an absolute path of letters, digits and / . _ + -, got ${describeValue(props.tempDirectory)}`);
    }

    this.setProperty('os_family', props.os ?? HostOs.LINUX);
    const sudoProperty = sudo.toProperty();
    if (Object.keys(sudoProperty).length > 0) this.setProperty('sudo', sudoProperty);
    if (props.tempDirectory !== undefined) this.setProperty('temp_directory', props.tempDirectory);
  }

  /** The address hybrid connects to (Cloudify's `ip` attribute), known once the host is reached. */
  public get ip(): Ref {
    return this.attr('ip');
  }

  /** The host's name as `hostname` prints it. */
  public get hostname(): Ref {
    return this.attr('hostname');
  }

  /** The machine architecture (`uname -m`, e.g. x86_64). */
  public get arch(): Ref {
    return this.attr('arch');
  }

  /** The distribution id from /etc/os-release (e.g. debian, ubuntu). */
  public get osId(): Ref {
    return this.attr('os_id');
  }

  /** The distribution version from /etc/os-release (e.g. 12). */
  public get osVersion(): Ref {
    return this.attr('os_version');
  }

  /** The SHA256 fingerprint of the host key hybrid verified. */
  public get hostKeyFingerprint(): Ref {
    return this.attr('host_key_fingerprint');
  }
}
