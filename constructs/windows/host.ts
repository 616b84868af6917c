import { Construct } from 'constructs';
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkString } from '../../lib/core/validate';
import { SshConnectionProps, applySshConnection } from '../hosts/host';

const WINDOWS_HOST_BRAND = Symbol.for('hybrid.WindowsHost');

/** Props of a WindowsHost. */
export interface WindowsHostProps extends SshConnectionProps {
  /**
   * The IP address other nodes reach the host at, when it is not the one hybrid connects to (a
   * host behind NAT or a bastion, a second network for the cluster). Endpoints made by
   * `WindowsService.exposeToCluster` hold it. An empty string means the default.
   * @default - the address, resolved by the deploying machine
   */
  readonly ip?: string | Ref;
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
    applySshConnection(this, props);
    if (props.dataDirectory !== undefined && (typeof props.dataDirectory !== 'string' || !/^[A-Za-z]:\\[A-Za-z0-9_.\\-]*$/.test(props.dataDirectory))) {
      throw invalidProps(this, `dataDirectory must be an absolute Windows path of letters, digits and \\ . _ - (no spaces), such as 'D:\\hybrid', got ${describeValue(props.dataDirectory)}`);
    }

    if (props.ip !== undefined) {
      checkString(this, 'ip', props.ip);
      if (typeof props.ip === 'string' && props.ip !== '' && !/^[0-9a-fA-F.:]+$/.test(props.ip)) throw invalidProps(this, `ip must be an IP address, got ${describeValue(props.ip)}`);
    }

    this.address = props.address;
    if (props.ip !== undefined) this.setProperty('ip', props.ip);
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

