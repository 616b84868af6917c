import { createHash } from 'crypto';
import { Construct } from 'constructs';
import * as fs from 'fs';
import * as path from 'path';
import { NodeTemplate, invalidProps } from '../../lib/core/node-template';
import { Ref, describeValue } from '../../lib/core/refs';
import { checkPort, checkString, checkWhole } from '../../lib/core/validate';
import { K8sCluster } from '../kubernetes/cluster';
import { K8sNamespace } from '../kubernetes/object';
import { K8sExternalService } from '../kubernetes/service';
import { WindowsHost } from './host';

const WINDOWS_SERVICE_BRAND = Symbol.for('hybrid.WindowsService');
const SERVICE_BINARY_BRAND = Symbol.for('hybrid.ServiceBinary');
const SERVICE_ACCOUNT_BRAND = Symbol.for('hybrid.ServiceAccount');
const RECOVERY_ACTION_BRAND = Symbol.for('hybrid.RecoveryAction');

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WINDOWS_PATH = /^([A-Za-z]:\\|%[A-Za-z_][A-Za-z0-9_()]*%\\)[^"<>|?*\r\n\0]*$/;

/** When the service control manager starts the service. */
export enum StartType {
  /** At boot. */
  AUTO = 'auto',
  /** Shortly after boot, once the automatic services have started. */
  DELAYED_AUTO = 'delayed-auto',
  /** Only when something starts it (sc.exe start, a dependent service, hybrid deploy). */
  MANUAL = 'manual',
  /** Never: deploy creates it but does not start it. */
  DISABLED = 'disabled',
}

/**
 * How environment variables reach the service process.
 *
 * Windows' service control manager gives a service the variables in its `Environment` registry
 * value (REG_MULTI_SZ under HKLM\SYSTEM\CurrentControlSet\Services\<name>); hybrid always writes
 * that value, for any Unicode text. Some service managers ignore it — Wine's does (its services
 * get only the system environment) — and for those the launcher sets the variables itself.
 */
export enum EnvironmentDelivery {
  /** The service's `Environment` registry value, which Windows reads when it starts the service. */
  REGISTRY = 'registry',
  /**
   * Also a batch file hybrid writes (`<dataDirectory>\services\<name>\launch.cmd`) that sets the
   * variables and then runs the binary; the service's command line becomes `cmd.exe /d /c` that
   * file. For service managers that ignore the registry value, such as Wine's; it has not been
   * tried on Windows, where the service control manager may refuse a service process that is
   * not the one it started. Values and arguments must be printable ASCII (cmd.exe reads batch
   * files in the host's OEM code page).
   */
  LAUNCHER = 'launcher',
}

/** Where the service's executable comes from. */
export class ServiceBinary {
  /** True for any ServiceBinary, even one made by another copy of this library. */
  public static isServiceBinary(x: any): x is ServiceBinary {
    return typeof x === 'object' && x !== null && x[SERVICE_BINARY_BRAND] === true;
  }

  /**
   * A local file uploaded over SFTP, absolute or relative to the project directory (where
   * hybrid.json is). A changed file is planned as an update (the service restarts with it).
   * @param remotePath where it goes on the host (an absolute Windows path).
   *   @default - `<dataDirectory>\services\<name>\<file name>`
   */
  public static fromLocalFile(localPath: string, remotePath?: string): ServiceBinary {
    return new ServiceBinary(localPath, remotePath);
  }

  /** An executable already on the host: an absolute Windows path, or one starting with `%SystemRoot%\` and the like. */
  public static onHost(remotePath: string | Ref): ServiceBinary {
    return new ServiceBinary(undefined, remotePath);
  }

  private constructor(public readonly localPath: string | undefined, public readonly remotePath: string | Ref | undefined) {}
}
Object.defineProperty(ServiceBinary.prototype, SERVICE_BINARY_BRAND, { value: true });

/** The account a service runs as. */
export class ServiceAccount {
  /** True for any ServiceAccount, even one made by another copy of this library. */
  public static isServiceAccount(x: any): x is ServiceAccount {
    return typeof x === 'object' && x !== null && x[SERVICE_ACCOUNT_BRAND] === true;
  }

  /** LocalSystem: full control of the machine (Windows' default for services). */
  public static localSystem(): ServiceAccount {
    return new ServiceAccount('', undefined);
  }

  /** NT AUTHORITY\LocalService: few privileges, anonymous on the network. */
  public static localService(): ServiceAccount {
    return new ServiceAccount('NT AUTHORITY\\LocalService', undefined);
  }

  /** NT AUTHORITY\NetworkService: few privileges, the computer's identity on the network. */
  public static networkService(): ServiceAccount {
    return new ServiceAccount('NT AUTHORITY\\NetworkService', undefined);
  }

  /**
   * A user account (`.\name` for a local user, `DOMAIN\name`, or `name@domain`) with its password
   * as a secret (`Secret.fromName('svc-password')`).
   */
  public static user(name: string, password: Ref): ServiceAccount {
    return new ServiceAccount(name, password);
  }

  private constructor(public readonly name: string, public readonly password: Ref | undefined) {}
}
Object.defineProperty(ServiceAccount.prototype, SERVICE_ACCOUNT_BRAND, { value: true });

/** What the service control manager does when the service fails. */
export class RecoveryAction {
  /** True for any RecoveryAction, even one made by another copy of this library. */
  public static isRecoveryAction(x: any): x is RecoveryAction {
    return typeof x === 'object' && x !== null && x[RECOVERY_ACTION_BRAND] === true;
  }

  /** Restart the service after `delaySeconds`. */
  public static restart(delaySeconds: number): RecoveryAction {
    return new RecoveryAction('restart', delaySeconds);
  }

  /** Run the recovery command (RecoveryOptions.command) after `delaySeconds`. */
  public static runCommand(delaySeconds: number): RecoveryAction {
    return new RecoveryAction('run', delaySeconds);
  }

  /** Reboot the machine after `delaySeconds`. */
  public static reboot(delaySeconds: number): RecoveryAction {
    return new RecoveryAction('reboot', delaySeconds);
  }

  /** Do nothing. */
  public static none(): RecoveryAction {
    return new RecoveryAction('none', 0);
  }

  private constructor(public readonly action: string, public readonly delaySeconds: number) {}
}
Object.defineProperty(RecoveryAction.prototype, RECOVERY_ACTION_BRAND, { value: true });

/** Recovery settings of a service (`sc.exe failure`). */
export interface RecoveryOptions {
  /** Actions for the first, second and later failures (1 to 3). */
  readonly actions: RecoveryAction[];
  /** Seconds without failure after which the failure count goes back to 0. @default 86400 */
  readonly resetPeriod?: number;
  /** The command a `RecoveryAction.runCommand` runs. @default - none (required with runCommand) */
  readonly command?: string;
}

/** Options of `WindowsService.exposeToCluster`. */
export interface ExposeToClusterOptions {
  /** The Service's name: pods reach the Windows service at `<name>.<namespace>.svc.cluster.local`. */
  readonly name: string;
  /** The port pods connect to. */
  readonly port: number;
  /** The port the Windows service listens on at the host. @default - the same as port */
  readonly targetPort?: number;
  /** The namespace of the Service. @default - the kubeconfig context's namespace */
  readonly namespace?: string | K8sNamespace;
}

/** Props of a WindowsService. */
export interface WindowsServiceProps {
  /** The host the service runs on. */
  readonly host: WindowsHost;
  /**
   * The service name (its key under HKLM\SYSTEM\CurrentControlSet\Services): 1 to 80 letters,
   * digits, '_', '.' and '-'. Changing it replaces the service.
   */
  readonly serviceName: string;
  /** The executable: `ServiceBinary.fromLocalFile('dist/app.exe')` or `ServiceBinary.onHost('C:\\app\\app.exe')`. */
  readonly binary: ServiceBinary;
  /** The name shown in the Services console. @default - the service name */
  readonly displayName?: string | Ref;
  /** The service's description. @default - none */
  readonly description?: string | Ref;
  /** Arguments of the service process, passed exactly as given (quotes, `%`, spaces and all). @default - none */
  readonly arguments?: Array<string | Ref>;
  /** Environment variables of the service process (see EnvironmentDelivery for how they get there). @default - none */
  readonly environment?: { [name: string]: string | Ref };
  /** How the environment reaches the process. @default EnvironmentDelivery.REGISTRY */
  readonly environmentDelivery?: EnvironmentDelivery;
  /** When the service starts. Deploy starts every service that is not disabled. @default StartType.AUTO */
  readonly startType?: StartType;
  /** The account the service runs as. @default ServiceAccount.localSystem() */
  readonly account?: ServiceAccount;
  /** Services that must run before this one: names, or WindowsService constructs (deployed first). @default - none */
  readonly dependsOnServices?: Array<string | WindowsService>;
  /** What the service control manager does when the service fails. @default - nothing */
  readonly recovery?: RecoveryOptions;
  /** Seconds to wait for RUNNING (and the health check) after a start. @default 60 */
  readonly startupTimeout?: number;
  /** Seconds to wait for STOPPED after a stop, and for the service to go after a delete. @default 60 */
  readonly stopTimeout?: number;
  /** A TCP port on the host that must accept connections (from the deploying machine) before the service counts as started. @default - RUNNING is enough */
  readonly healthCheckPort?: number;
}

/**
 * A Windows service on a WindowsHost, managed with sc.exe. Deploy uploads the binary, creates and
 * configures the service and starts it (waiting for RUNNING; a service that stops while starting
 * fails the deploy with its exit code). A change stops it, reconfigures only what changed and
 * starts it again — or only reconfigures, when the change needs no restart (description,
 * display name, start type, dependencies, recovery). Destroy stops and deletes it and removes
 * what hybrid uploaded.
 */
export class WindowsService extends NodeTemplate {
  /** The node type this construct creates. */
  public static readonly NODE_TYPE = 'hybrid.nodes.windows.Service';

  /** True for any WindowsService, even one made by another copy of this library. */
  public static isWindowsService(x: any): x is WindowsService {
    return typeof x === 'object' && x !== null && x[WINDOWS_SERVICE_BRAND] === true;
  }

  /** The service name. */
  public readonly serviceName: string;
  /** The host it runs on. */
  public readonly host: WindowsHost;

  constructor(scope: Construct, id: string, props: WindowsServiceProps) {
    super(scope, id, { type: WindowsService.NODE_TYPE });
    if (!WindowsHost.isWindowsHost(props.host)) throw invalidProps(this, `host must be a WindowsHost, got ${describeValue(props.host)}`);
    if (typeof props.serviceName !== 'string' || !SERVICE_NAME.test(props.serviceName)) {
      throw invalidProps(this, `serviceName must be 1 to 80 letters, digits, '_', '.' and '-' (starting with a letter or digit), got ${describeValue(props.serviceName)}`);
    }
    const delivery = props.environmentDelivery ?? EnvironmentDelivery.REGISTRY;
    if (!Object.values(EnvironmentDelivery).includes(delivery)) {
      throw invalidProps(this, `environmentDelivery must be EnvironmentDelivery.REGISTRY or EnvironmentDelivery.LAUNCHER, got ${describeValue(delivery)}`);
    }
    const launcher = delivery === EnvironmentDelivery.LAUNCHER;
    this.serviceName = props.serviceName;
    this.host = props.host;
    this.containedIn(props.host);
    this.setProperty('name', props.serviceName);

    this.binary(props.binary, launcher);
    this.text('displayName', 'display_name', props.displayName);
    this.text('description', 'description', props.description);

    if (props.arguments !== undefined) {
      if (!Array.isArray(props.arguments)) throw invalidProps(this, `arguments must be a list of strings, got ${describeValue(props.arguments)}`);
      props.arguments.forEach((argument, index) => this.checkValue(`arguments[${index}]`, argument, launcher));
      this.setProperty('arguments', [...props.arguments]);
    }
    if (props.environment !== undefined) {
      if (typeof props.environment !== 'object' || props.environment === null || Array.isArray(props.environment) || Ref.isRef(props.environment)) {
        throw invalidProps(this, `environment must be an object of variable names to strings, got ${describeValue(props.environment)}`);
      }
      for (const [name, value] of Object.entries(props.environment)) {
        if (!ENV_NAME.test(name)) throw invalidProps(this, `environment variable names must be letters, digits and '_' (not starting with a digit), got ${JSON.stringify(name)}`);
        this.checkValue(`environment.${name}`, value, launcher);
        if (value === '') throw invalidProps(this, `environment.${name} must not be empty (Windows has no empty variables; leave it out instead)`);
      }
      this.setProperty('environment', { ...props.environment });
    }
    if (props.environmentDelivery !== undefined) this.setProperty('environment_delivery', delivery);

    if (props.startType !== undefined) {
      if (!Object.values(StartType).includes(props.startType)) throw invalidProps(this, `startType must be a StartType (AUTO, DELAYED_AUTO, MANUAL, DISABLED), got ${describeValue(props.startType)}`);
      this.setProperty('start_type', props.startType);
    }
    if (props.account !== undefined) this.account(props.account);
    if (props.dependsOnServices !== undefined) this.dependencies(props.dependsOnServices);
    if (props.recovery !== undefined) this.recovery(props.recovery);
    this.whole('startupTimeout', 'startup_timeout', props.startupTimeout, 1, 86400);
    this.whole('stopTimeout', 'stop_timeout', props.stopTimeout, 1, 86400);
    this.whole('healthCheckPort', 'health_port', props.healthCheckPort, 1, 65535);
  }

  /** The address of the host the service runs on (the host's `ip`), known once the host is reached. */
  public get address(): Ref {
    return this.host.ip;
  }

  /** The service's process id, known once it runs. */
  public get pid(): Ref {
    return this.attr('pid');
  }

  /** The command line the service control manager starts it with (ImagePath). */
  public get imagePath(): Ref {
    return this.attr('image_path');
  }

  /**
   * Makes the service reachable from pods by a cluster DNS name: a Service without selector and
   * Endpoints holding the Windows host's IP address and the port (K8sExternalService). Both are
   * deployed after this service runs, and follow the host if its address changes.
   * @param cluster the cluster the Service goes to (`K8sCluster.fromKubeconfig(this, 'Cluster')` for the deploying machine's kubeconfig)
   */
  public exposeToCluster(cluster: K8sCluster, options: ExposeToClusterOptions): K8sExternalService {
    if (!K8sCluster.isK8sCluster(cluster)) throw invalidProps(this, `exposeToCluster takes a K8sCluster (e.g. K8sCluster.fromKubeconfig(scope, 'Cluster')), got ${describeValue(cluster)}`);
    if (typeof options?.name !== 'string' || !/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(options.name)) {
      throw invalidProps(this, `exposeToCluster name must be a DNS label (lowercase letters, digits and '-', starting with a letter), got ${describeValue(options?.name)}`);
    }
    checkPort(this, 'exposeToCluster port', options.port);
    checkPort(this, 'exposeToCluster targetPort', options.targetPort);
    if (options.port === undefined) throw invalidProps(this, 'exposeToCluster needs the port pods connect to');
    const exposed = new K8sExternalService(this, `ClusterService-${options.name}`, {
      cluster,
      name: options.name,
      address: this.address,
      port: options.port,
      ...(options.targetPort !== undefined ? { targetPort: options.targetPort } : {}),
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    });
    // Pods should find an address only once the service behind it runs.
    exposed.service.dependsOn(this);
    exposed.endpoints?.dependsOn(this);
    return exposed;
  }

  private binary(binary: ServiceBinary, launcher: boolean): void {
    if (!ServiceBinary.isServiceBinary(binary)) {
      throw invalidProps(this, `binary must be made with ServiceBinary.fromLocalFile(path) or ServiceBinary.onHost(path), got ${describeValue(binary)}`);
    }
    const remote = binary.remotePath;
    if (remote !== undefined && !Ref.isRef(remote)) {
      if (typeof remote !== 'string' || !WINDOWS_PATH.test(remote.replace(/\//g, '\\'))) {
        throw invalidProps(this, `the binary's path on the host must be an absolute Windows path such as 'C:\\app\\app.exe' or '%ProgramFiles%\\app\\app.exe', got ${describeValue(remote)}`);
      }
      if (binary.localPath !== undefined && remote.startsWith('%')) {
        throw invalidProps(this, `an uploaded binary needs a path with a drive letter (SFTP cannot expand ${remote.slice(0, remote.indexOf('%', 1) + 1)}), got ${describeValue(remote)}`);
      }
      if (launcher) this.checkValue('binary path', remote, true);
    }
    if (binary.localPath !== undefined) {
      if (typeof binary.localPath !== 'string' || binary.localPath.trim() === '') throw invalidProps(this, `ServiceBinary.fromLocalFile takes a local file path, got ${describeValue(binary.localPath)}`);
      const local = path.resolve(projectDirectory(), binary.localPath);
      if (!fs.existsSync(local) || !fs.statSync(local).isFile()) {
        throw invalidProps(this, `the binary ${describeValue(binary.localPath)} is not a file (looked at ${local}; relative paths are taken from the project directory)`);
      }
      this.setProperty('binary_source', binary.localPath);
      this.setProperty('binary_digest', 'sha256:' + createHash('sha256').update(fs.readFileSync(local)).digest('hex'));
    }
    if (remote !== undefined) this.setProperty('binary_path', remote);
  }

  private account(account: ServiceAccount): void {
    if (!ServiceAccount.isServiceAccount(account)) {
      throw invalidProps(this, `account must be made with ServiceAccount.localSystem(), .localService(), .networkService() or .user(name, password), got ${describeValue(account)}`);
    }
    if (account.name === '') return;
    this.checkValue('account name', account.name, false);
    this.setProperty('account', account.name);
    if (account.password !== undefined) {
      if (!Ref.isRef(account.password)) {
        throw invalidProps(this, `ServiceAccount.user takes the password as a secret reference such as Secret.fromName('svc-password'), got ${typeof account.password === 'string' ? 'a plain string' : describeValue(account.password)}`);
      }
      this.setProperty('password', account.password);
    }
  }

  private dependencies(dependencies: Array<string | WindowsService>): void {
    if (!Array.isArray(dependencies)) throw invalidProps(this, `dependsOnServices must be a list of service names or WindowsService constructs, got ${describeValue(dependencies)}`);
    const names = dependencies.map((dependency) => {
      if (WindowsService.isWindowsService(dependency)) {
        if (dependency === this) throw invalidProps(this, 'a service cannot depend on itself');
        this.dependsOn(dependency);
        return dependency.serviceName;
      }
      if (typeof dependency !== 'string' || !SERVICE_NAME.test(dependency)) {
        throw invalidProps(this, `dependsOnServices entries must be service names (letters, digits, '_', '.' and '-') or WindowsService constructs, got ${describeValue(dependency)}`);
      }
      return dependency;
    });
    this.setProperty('dependencies', names);
  }

  private recovery(recovery: RecoveryOptions): void {
    const actions = recovery?.actions;
    if (!Array.isArray(actions) || actions.length < 1 || actions.length > 3 || !actions.every((action) => RecoveryAction.isRecoveryAction(action))) {
      throw invalidProps(this, `recovery.actions must be 1 to 3 RecoveryAction values (first, second and later failures), got ${describeValue(actions)}`);
    }
    for (const action of actions) {
      if (!(typeof action.delaySeconds === 'number' && action.delaySeconds >= 0 && action.delaySeconds <= 86400 * 24)) {
        throw invalidProps(this, `recovery action delays must be seconds from 0 to ${86400 * 24}, got ${describeValue(action.delaySeconds)}`);
      }
    }
    checkWhole(this, 'recovery.resetPeriod', recovery.resetPeriod, 0, undefined, { refs: false, unit: 'seconds' });
    if (actions.some((action) => action.action === 'run') && (typeof recovery.command !== 'string' || recovery.command.trim() === '')) {
      throw invalidProps(this, 'recovery.command must name the command that RecoveryAction.runCommand runs');
    }
    if (recovery.command !== undefined) this.checkValue('recovery.command', recovery.command, false);
    this.setProperty('recovery', {
      reset_period: recovery.resetPeriod ?? 86400,
      actions: actions.map((action) => ({ action: action.action, delay: action.delaySeconds })),
      ...(recovery.command !== undefined ? { command: recovery.command } : {}),
    });
  }

  private text(name: string, property: string, value: string | Ref | undefined): void {
    if (value === undefined) return;
    this.checkValue(name, value, false);
    this.setProperty(property, value);
  }

  /** A string or Ref a command line can carry (no NUL, CR or LF); with the launcher, printable ASCII. */
  private checkValue(name: string, value: unknown, launcher: boolean): void {
    checkString(this, name, value);
    if (typeof value !== 'string') return;
    const bad = /[\0\r\n]/.exec(value);
    if (bad) throw invalidProps(this, `${name} must not contain ${bad[0] === '\0' ? 'a NUL character' : 'a line break'}: no Windows command line can carry it, got ${describeValue(value)}`);
    if (launcher && !/^[\x20-\x7e\t]*$/.test(value)) {
      throw invalidProps(this, `${name} must be printable ASCII with EnvironmentDelivery.LAUNCHER (cmd.exe reads the launcher in the host's OEM code page), got ${describeValue(value)}; use EnvironmentDelivery.REGISTRY for other characters`);
    }
  }

  private whole(name: string, property: string, value: number | undefined, min: number, max: number): void {
    checkWhole(this, name, value, min, max, { refs: false });
    if (value !== undefined) this.setProperty(property, value);
  }
}
// The brand sits on the prototype: one property for all instances, inherited by subclasses.
Object.defineProperty(WindowsService.prototype, WINDOWS_SERVICE_BRAND, { value: true });

/** The directory holding hybrid.json above the working directory (where the CLI takes relative paths from), else the working directory. */
function projectDirectory(): string {
  for (let directory = process.cwd(); ; directory = path.dirname(directory)) {
    if (fs.existsSync(path.join(directory, 'hybrid.json'))) return directory;
    if (path.dirname(directory) === directory) return process.cwd();
  }
}
