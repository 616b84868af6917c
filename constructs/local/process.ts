import { Construct } from 'constructs';
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { ENV_NAMES, checkPort, checkString, checkStringMap, checkWhole } from '../../lib/core/validate';
import { HealthCheck } from './health-check';

const LOCAL_PROCESS_BRAND = Symbol.for('hybrid.LocalProcess');

/** Props of a LocalProcess. */
export interface LocalProcessProps {
  /** The program and its arguments, run directly (no shell), e.g. `['node', 'server.js']`. */
  readonly command: Array<string | Ref>;
  /** Environment variables, added to the deploying process's environment. @default - none */
  readonly env?: { [name: string]: string | Ref };
  /** Working directory, absolute or relative to the stack directory. @default - the stack directory */
  readonly cwd?: string | Ref;
  /** How the process shows it has started. @default HealthCheck.alive() */
  readonly healthCheck?: HealthCheck;
  /** Seconds to wait for the health check before deploy fails (and stops the process). @default 30 */
  readonly startupTimeout?: number;
  /**
   * Where stdout and stderr are appended, absolute or relative to the stack directory.
   * @default - `<instance id>.log` in the stack's state directory
   */
  readonly logFile?: string | Ref;
}

/**
 * A long-running process on the deploying machine, started detached so it outlives the deploy,
 * and health-checked before dependents deploy. A change to any prop restarts it; destroy stops
 * it (SIGTERM to its process group, SIGKILL after 10 s).
 */
export class LocalProcess extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.local.Process';

  /** True for any LocalProcess, even one made by another copy of this library. */
  public static isLocalProcess(x: any): x is LocalProcess {
    return typeof x === 'object' && x !== null && x[LOCAL_PROCESS_BRAND] === true;
  }

  constructor(scope: Construct, id: string, props: LocalProcessProps) {
    super(scope, id, { type: LocalProcess.NODE_TYPE });
    Object.defineProperty(this, LOCAL_PROCESS_BRAND, { value: true });
    if (!Array.isArray(props.command) || props.command.length === 0) {
      throw invalidProps(this, `command must be a non-empty list (the program, then its arguments), got ${describeValue(props.command)}`);
    }
    props.command.forEach((part, index) => checkString(this, `command[${index}]`, part, { nonEmpty: index === 0 }));
    checkStringMap(this, 'env', props.env, { keys: ENV_NAMES });
    checkString(this, 'cwd', props.cwd, { optional: true });
    checkString(this, 'logFile', props.logFile, { optional: true });
    const startupTimeout = props.startupTimeout;
    checkWhole(this, 'startupTimeout', startupTimeout, 1, undefined, { refs: false, unit: 'seconds' });
    const health = this.healthProperty(props.healthCheck);

    this.setProperty('command', [...props.command]);
    if (props.env !== undefined) this.setProperty('env', props.env);
    if (props.cwd !== undefined) this.setProperty('cwd', props.cwd);
    if (Object.keys(health).length > 0) this.setProperty('health', health);
    if (startupTimeout !== undefined) this.setProperty('startup_timeout', startupTimeout);
    if (props.logFile !== undefined) this.setProperty('log_file', props.logFile);
  }

  /** The process id, known once the process has started. */
  public get pid(): Ref {
    return this.attr('pid');
  }

  /** The absolute path of the log file, known once the process has started. */
  public get logFile(): Ref {
    return this.attr('log_file');
  }

  private healthProperty(healthCheck: HealthCheck | undefined): { [key: string]: any } {
    if (healthCheck === undefined) return {};
    if (!HealthCheck.isHealthCheck(healthCheck)) {
      throw invalidProps(this, `healthCheck must be made with HealthCheck.port(n), HealthCheck.command('...') or HealthCheck.alive(), got ${describeValue(healthCheck)}`);
    }
    const port = healthCheck.tcpPort;
    checkPort(this, 'healthCheck port', port);
    if (healthCheck.shellCommand !== undefined) checkString(this, 'healthCheck command', healthCheck.shellCommand, { nonEmpty: true });
    return healthCheck.toProperty();
  }
}
