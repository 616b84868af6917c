import { Construct } from 'constructs';
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkPort, checkString, checkWhole } from '../../lib/core/validate';
import { Host, HostAuth, HostKey } from '../hosts/host';

const WINDOWS_HOST_BRAND = Symbol.for('hybrid.WindowsHost');

/** Props of a WindowsHost. */
export interface WindowsHostProps {
  /** Host name or IP address (a Ref to another node's attribute works, e.g. a server's IP). */
  readonly address: string | Ref;
  /**
   * The IP address other nodes reach the host at, when it is not the one hybrid connects to (a
   * host behind NAT or a bastion, a second network for the cluster). Endpoints made by
   * `WindowsService.exposeToCluster` hold it. An empty string means the default.
   * @default - the address, resolved by the deploying machine
   */
  readonly ip?: string | Ref;
  /** SSH port of the host's OpenSSH server. @default 22 */
  readonly port?: number | Ref;
  /** Login user; it must be an administrator of the host to manage services. */
  readonly user: string | Ref;
  /** How hybrid logs in: `HostAuth.keyFile(...)`, `HostAuth.keyFromSecret(...)` or `HostAuth.agent()`. */
  readonly auth: HostAuth;
  /** How hybrid verifies the host's key. @default HostKey.knownHosts() (~/.ssh/known_hosts) */
  readonly hostKey?: HostKey;
  /** An SSH jump host hybrid connects through (deployed, and so verified, first). @default - a direct connection */
  readonly bastion?: Host;
  /** At most this many operations run on the host at once, over one connection. @default 4 */
  readonly concurrency?: number;
  /** Seconds to wait for the connection and the SSH handshake. @default 20 */
  readonly connectTimeout?: number;
  /** Seconds between SSH keepalives (3 unanswered ones end the connection); 0 turns them off. @default 15 */
  readonly keepaliveInterval?: number;
  /**
   * Where hybrid keeps what it puts on the host (uploaded service binaries, launchers), one
   * folder per service: an absolute Windows path without spaces. @default 'C:\\ProgramData\\hybrid'
   */
  readonly dataDirectory?: string;
}

/**
 * An existing Windows machine reached over SSH: Windows' OpenSSH server with `cmd.exe` as its
 * default shell, files over SFTP. Deploy connects (verifying the host key and the login) and
 * records facts about it; destroy leaves the machine alone. Put WindowsService on it.
 */
export class WindowsHost extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.windows.Host';

  /** True for any WindowsHost, even one made by another copy of this library. */
  public static isWindowsHost(x: any): x is WindowsHost {
    return typeof x === 'object' && x !== null && x[WINDOWS_HOST_BRAND] === true;
  }

  /** The address given in the props (a literal or a Ref), for connections that must name the host. */
  public readonly address: string | Ref;

  constructor(scope: Construct, id: string, props: WindowsHostProps) {
    super(scope, id, { type: WindowsHost.NODE_TYPE });
    checkString(this, 'address', props.address, { nonEmpty: true });
    if (typeof props.address === 'string' && /[\s/@\\]/.test(props.address)) {
      throw invalidProps(this, `address must be a host name or IP address (no spaces, '/', '\\' or '@'; the user goes in 'user'), got ${describeValue(props.address)}`);
    }
    checkString(this, 'user', props.user, { nonEmpty: true });
    checkPort(this, 'port', props.port);
    checkWhole(this, 'concurrency', props.concurrency, 1, 64, { refs: false });
    checkWhole(this, 'connectTimeout', props.connectTimeout, 1, 3600, { refs: false });
    checkWhole(this, 'keepaliveInterval', props.keepaliveInterval, 0, 3600, { refs: false });
    if (!HostAuth.isHostAuth(props.auth)) {
      throw invalidProps(this, `auth must be made with HostAuth.keyFile(path), HostAuth.keyFromSecret(secret) or HostAuth.agent(), got ${describeValue(props.auth)}`);
    }
    props.auth.validate(this);
    const hostKey = props.hostKey ?? HostKey.knownHosts();
    if (!HostKey.isHostKey(hostKey)) {
      throw invalidProps(this, `hostKey must be made with HostKey.knownHosts(), HostKey.fingerprint('SHA256:…') or HostKey.trustOnFirstUse(), got ${describeValue(hostKey)}`);
    }
    hostKey.validate(this);
    if (props.bastion !== undefined && !Host.isHost(props.bastion)) throw invalidProps(this, `bastion must be a Host (an SSH jump host), got ${describeValue(props.bastion)}`);
    if (props.dataDirectory !== undefined && (typeof props.dataDirectory !== 'string' || !/^[A-Za-z]:\\[A-Za-z0-9_.\\-]*$/.test(props.dataDirectory))) {
      throw invalidProps(this, `dataDirectory must be an absolute Windows path of letters, digits and \\ . _ - (no spaces), such as 'D:\\hybrid', got ${describeValue(props.dataDirectory)}`);
    }

    if (props.ip !== undefined) {
      checkString(this, 'ip', props.ip);
      if (typeof props.ip === 'string' && props.ip !== '' && !/^[0-9a-fA-F.:]+$/.test(props.ip)) throw invalidProps(this, `ip must be an IP address, got ${describeValue(props.ip)}`);
    }

    this.address = props.address;
    this.setProperty('address', props.address);
    if (props.ip !== undefined) this.setProperty('ip', props.ip);
    if (props.port !== undefined) this.setProperty('port', props.port);
    this.setProperty('user', props.user);
    this.setProperty('auth', props.auth.toProperty());
    this.setProperty('host_key', hostKey.toProperty());
    if (props.bastion) {
      this.setProperty('bastion', bastionConnection(props.bastion));
      this.dependsOn(props.bastion);
    }
    if (props.concurrency !== undefined) this.setProperty('concurrency', props.concurrency);
    if (props.connectTimeout !== undefined) this.setProperty('connect_timeout', props.connectTimeout);
    if (props.keepaliveInterval !== undefined) this.setProperty('keepalive_interval', props.keepaliveInterval);
    if (props.dataDirectory !== undefined) this.setProperty('data_directory', props.dataDirectory.replace(/\\+$/, ''));
  }

  /** The address hybrid connects to (Cloudify's `ip` attribute), known once the host is reached. */
  public get ip(): Ref {
    return this.attr('ip');
  }

  /** The host's computer name (%COMPUTERNAME%). */
  public get hostname(): Ref {
    return this.attr('hostname');
  }

  /** The Windows version as `ver` prints it. */
  public get osVersion(): Ref {
    return this.attr('os_version');
  }

  /** The processor architecture (%PROCESSOR_ARCHITECTURE%, e.g. AMD64). */
  public get arch(): Ref {
    return this.attr('arch');
  }

  /** The SHA256 fingerprint of the host key hybrid verified. */
  public get hostKeyFingerprint(): Ref {
    return this.attr('host_key_fingerprint');
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(WindowsHost.prototype, WINDOWS_HOST_BRAND, { value: true });

/** A bastion's connection properties, as the ssh Host holds them. */
function bastionConnection(bastion: Host): { [key: string]: any } {
  const properties = bastion.properties;
  const connection: { [key: string]: any } = {};
  for (const key of ['address', 'port', 'user', 'auth', 'host_key', 'bastion']) if (properties[key] !== undefined) connection[key] = properties[key];
  return connection;
}
