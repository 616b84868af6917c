import { Ref } from '../../lib/core/refs';

const HEALTH_CHECK_BRAND = Symbol.for('hybrid.HealthCheck');

/** How a LocalProcess shows that it has started. */
export class HealthCheck {
  /** True for any HealthCheck, even one made by another copy of this library. */
  public static isHealthCheck(x: any): x is HealthCheck {
    return typeof x === 'object' && x !== null && x[HEALTH_CHECK_BRAND] === true;
  }

  /** Healthy once a TCP connection to 127.0.0.1:`port` succeeds. */
  public static port(port: number | Ref): HealthCheck {
    return new HealthCheck(port, undefined);
  }

  /** Healthy once the shell command (`/bin/sh -c`, in the process's cwd and env) exits 0. */
  public static command(command: string | Ref): HealthCheck {
    return new HealthCheck(undefined, command);
  }

  /** Healthy once the process has stayed alive for 200 ms. */
  public static alive(): HealthCheck {
    return new HealthCheck(undefined, undefined);
  }

  /** The TCP port checked, for a port check. */
  public readonly tcpPort?: number | Ref;
  /** The shell command run, for a command check. */
  public readonly shellCommand?: string | Ref;

  private constructor(tcpPort: number | Ref | undefined, shellCommand: string | Ref | undefined) {
    Object.defineProperty(this, HEALTH_CHECK_BRAND, { value: true });
    this.tcpPort = tcpPort;
    this.shellCommand = shellCommand;
  }

  /** The node type's `health` property value. */
  public toProperty(): { [key: string]: any } {
    if (this.tcpPort !== undefined) return { port: this.tcpPort };
    if (this.shellCommand !== undefined) return { command: this.shellCommand };
    return {};
  }
}
