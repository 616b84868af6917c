import { ErrorCode, HybridError } from '../core/errors';
import { checkInputValue } from '../core/inputs';
import type { Redactor } from './events';
import { EvaluationContext, FunctionTarget, UNKNOWN, evaluate } from './functions';
import type { DesiredInstance } from './instances';
import type { DeploymentModel } from './model';
import { SecretBox, isEncrypted } from './secret-box';
import type { InstanceRecord } from './state/types';

/** Where an instance sits: enough to pick the instance a node name means for SELF. */
export type PlacedInstance = Pick<DesiredInstance, 'id' | 'node' | 'index' | 'host' | 'unit'>;

/** Gives secret values to the engine: environment, a secrets file, or a prompt. */
export interface SecretSource {
  get(name: string): string | undefined;
}

/** HYBRID_SECRET_<NAME> (upper case, '-' as '_') from an environment. */
export function environmentSecrets(environment: NodeJS.ProcessEnv = process.env): SecretSource {
  return { get: (name) => environment[`HYBRID_SECRET_${name.toUpperCase().replace(/-/g, '_')}`] };
}

/** Tries sources in order. */
export function chainSecrets(...sources: SecretSource[]): SecretSource {
  return { get: (name) => sources.map((source) => source.get(name)).find((value) => value !== undefined) };
}

/** Checks given inputs against the blueprint's declarations and fills in defaults. */
export function resolveInputs(model: DeploymentModel, given: { [name: string]: any }, secrets: SecretSource, redactor: Redactor): { [name: string]: any } {
  const declared = model.blueprint.inputs ?? {};
  for (const name of Object.keys(given)) {
    if (!declared[name]) {
      const known = Object.keys(declared).sort().join(', ') || 'none';
      throw new HybridError(ErrorCode.InvalidInput, `input '${name}' is not declared by the blueprint (declared: ${known})`);
    }
  }
  const resolved: { [name: string]: any } = {};
  const context: EvaluationContext = {
    where: 'inputs',
    input: (name) => {
      if (!(name in resolved)) throw new HybridError(ErrorCode.DanglingRef, `an input default refers to input '${name}', which is not resolved before it`);
      return resolved[name];
    },
    property: () => { throw new HybridError(ErrorCode.MisplacedRef, 'input defaults cannot use get_property'); },
    attribute: () => { throw new HybridError(ErrorCode.MisplacedRef, 'input defaults cannot use get_attribute'); },
    secret: (name) => secretValue(name, secrets, redactor, 'an input default'),
    capability: () => { throw new HybridError(ErrorCode.MisplacedRef, 'input defaults cannot use get_capability'); },
  };
  for (const [name, declaration] of Object.entries(declared)) {
    let value = given[name];
    if (value === undefined && declaration.default !== undefined) value = evaluate(declaration.default, { ...context, where: `inputs.${name}.default` });
    if (value === undefined) {
      if (declaration.required === false) continue;
      throw new HybridError(ErrorCode.InvalidInput, `input '${name}' needs a value: pass --input ${name}=<${declaration.type ?? 'value'}>${declaration.description ? ` (${declaration.description})` : ''}`);
    }
    value = coerceInput(value, declaration.type);
    const problem = checkInputValue(declaration.type ?? 'string', declaration.constraints ?? [], value);
    if (problem) throw new HybridError(ErrorCode.InvalidInput, `input '${name}' ${problem}`);
    resolved[name] = value;
  }
  return resolved;
}

/** Values from `--input k=v` arrive as strings; convert them to the declared type when they parse. */
function coerceInput(value: any, type: string | undefined): any {
  if (typeof value !== 'string') return value;
  if (type === 'integer' && /^-?\d+$/.test(value)) return Number(value);
  if (type === 'float' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  if ((type === 'list' || type === 'dict') && /^[[{]/.test(value.trim())) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

export function secretValue(name: string, secrets: SecretSource, redactor: Redactor, where: string): string {
  const value = secrets.get(name);
  if (value === undefined) {
    throw new HybridError(
      ErrorCode.SecretMissing,
      `${where} needs the secret '${name}': set HYBRID_SECRET_${name.toUpperCase().replace(/-/g, '_')}, pass --secrets-file, or run in a terminal to be asked`,
    );
  }
  redactor.add(value);
  return value;
}

/**
 * Evaluates properties and operation inputs against inputs, other nodes' properties and the
 * runtime properties in state. Attributes of instances that do not exist yet (or are about to be
 * replaced) are UNKNOWN at plan time.
 */
export class Resolver {
  private readonly propertyCache = new Map<string, any>();
  private readonly evaluating = new Set<string>();
  /** Whether a node's properties must be evaluated per instance (they use SELF or get_attribute). */
  private readonly perInstanceNodes = new Map<string, boolean>();
  private instancesByNode: Map<string, { all: PlacedInstance[]; byUnit: Map<string, PlacedInstance[]>; byHost: Map<string, PlacedInstance[]> }> | undefined;

  constructor(
    private readonly model: DeploymentModel,
    private readonly inputs: { [name: string]: any },
    private readonly secrets: SecretSource,
    public readonly redactor: Redactor,
    private readonly box: SecretBox,
    /** Runtime properties of an instance, or undefined when it has none yet (UNKNOWN). */
    private readonly runtimeOf: (instance: string) => { readonly [name: string]: any } | undefined,
    /** The instances that get_attribute of a node name chooses among (desired ones, or recorded ones when uninstalling). */
    private readonly desired: ReadonlyMap<string, PlacedInstance>,
    private readonly recordOf: (instance: string) => InstanceRecord | undefined,
  ) {}

  public context(where: string, placement: { self?: string; source?: string; target?: string } = {}): EvaluationContext {
    return {
      where,
      ...placement,
      input: (name) => {
        if (!(name in this.inputs) && !(this.model.blueprint.inputs ?? {})[name]) {
          throw new HybridError(ErrorCode.DanglingRef, `${where}: get_input names '${name}', which the blueprint does not declare`);
        }
        return this.inputs[name];
      },
      property: (target, path) => this.property(this.nodeOf(target, where), path, where),
      attribute: (target, path) => this.attribute(target, path, where, placement.self),
      secret: (name) => secretValue(name, this.secrets, this.redactor, where),
      capability: (deployment) => {
        throw new HybridError(ErrorCode.DanglingRef, `${where}: get_capability of deployment '${deployment}' is not supported by the embedded engine yet; pass the value as an input`);
      },
    };
  }

  private nodeOf(target: FunctionTarget, where: string): string {
    if ('node' in target) {
      if (!this.model.nodes.has(target.node)) throw new HybridError(ErrorCode.DanglingRef, `${where}: refers to node '${target.node}', which the blueprint does not have`);
      return target.node;
    }
    const node = this.desired.get(target.instance)?.node ?? this.recordOf(target.instance)?.node;
    if (!node) throw new HybridError(ErrorCode.DanglingRef, `${where}: refers to instance '${target.instance}', which does not exist`);
    return node;
  }

  /** A node's properties with functions evaluated (cached; cycles are reported). */
  public nodeProperties(node: string): { [name: string]: any } {
    const cached = this.propertyCache.get(node);
    if (cached) return cached;
    if (this.evaluating.has(node)) {
      throw new HybridError(ErrorCode.CycleDetected, `get_property cycle through node '${node}' (${[...this.evaluating, node].join(' -> ')})`);
    }
    this.evaluating.add(node);
    try {
      const model = this.model.nodes.get(node)!;
      const value = evaluate(model.properties, this.context(`node_templates.${node}.properties`));
      // Values read from runtime properties change as the run goes on: only the rest is cached.
      if (!this.dependsOnInstances(node)) this.propertyCache.set(node, value);
      return value;
    } finally {
      this.evaluating.delete(node);
    }
  }

  /**
   * Properties evaluated for one instance. SELF refers to it, and get_attribute of a node with
   * several instances picks the one in its unit or on its host, so properties that use either are
   * evaluated per instance; the others once per node.
   */
  public instanceProperties(instance: DesiredInstance): { [name: string]: any } {
    if (!this.dependsOnInstances(instance.node)) return this.nodeProperties(instance.node);
    const model = this.model.nodes.get(instance.node)!;
    return evaluate(model.properties, this.context(`node_templates.${instance.node}.properties`, { self: instance.id }));
  }

  /** True when a node's properties use SELF or get_attribute. */
  private dependsOnInstances(node: string): boolean {
    let uses = this.perInstanceNodes.get(node);
    if (uses === undefined) {
      uses = /"SELF"|"get_attribute"/.test(JSON.stringify(this.model.nodes.get(node)!.properties));
      this.perInstanceNodes.set(node, uses);
    }
    return uses;
  }

  private property(node: string, path: ReadonlyArray<string | number>, where: string): any {
    let value: any = this.nodeProperties(node);
    for (const key of path) {
      if (value === UNKNOWN) return UNKNOWN;
      if (value === null || typeof value !== 'object' || !(key in value)) {
        throw new HybridError(ErrorCode.DanglingRef, `${where}: node '${node}' has no property ${path.join('.')}`);
      }
      value = value[key as any];
    }
    return value;
  }

  private attribute(target: FunctionTarget, path: ReadonlyArray<string | number>, where: string, self?: string): any {
    const instance = 'instance' in target ? target.instance : this.pickInstance(target.node, where, self);
    const [first, ...rest] = path;
    // An instance's id and index are known before it exists.
    if (first === 'node_instance_id') return instance;
    if (first === 'node_instance_index') return this.desired.get(instance)?.index ?? this.recordOf(instance)?.index;
    const runtime = this.runtimeOf(instance);
    if (runtime === undefined) return UNKNOWN;
    let value: any;
    if (runtime[first as string] !== undefined) {
      value = runtime[first as string];
      if (isEncrypted(value)) {
        value = this.box.decrypt(value);
        this.registerSecret(value);
      }
    } else {
      // Cloudify falls back to the node's property of the same name, then to null.
      const node = this.nodeOf({ instance }, where);
      const properties = this.nodeProperties(node);
      value = properties[first as string] ?? null;
    }
    for (const key of rest) {
      if (value === null || value === undefined || typeof value !== 'object') return null;
      value = value[key as any];
    }
    return value ?? null;
  }

  private registerSecret(value: unknown): void {
    if (typeof value === 'string') this.redactor.add(value);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) this.registerSecret(item);
  }

  /** The one instance a node name stands for in get_attribute: the only one, or the one that shares SELF's unit or host. */
  private pickInstance(node: string, where: string, self?: string): string {
    const placed = this.placement(node);
    if (placed.all.length === 1) return placed.all[0].id;
    if (placed.all.length === 0) {
      // Not a recorded instance: one the plan deletes would give a value that is about to go.
      throw new HybridError(ErrorCode.DanglingRef, `${where}: get_attribute of node '${node}', which has no instances (scaled to 0): remove the reference, or keep at least one instance`);
    }
    const mine = self ? this.desired.get(self) : undefined;
    const near = new Set<PlacedInstance>();
    if (mine?.unit) for (const candidate of placed.byUnit.get(mine.unit) ?? []) near.add(candidate);
    if (mine?.host) {
      for (const candidate of placed.byHost.get(mine.host) ?? []) near.add(candidate);
      const host = this.desired.get(mine.host);
      if (host?.node === node) near.add(host);
    }
    if (near.size === 1) return [...near][0].id;
    throw new HybridError(
      ErrorCode.DanglingRef,
      `${where}: get_attribute names node '${node}', which has ${placed.all.length} instances; use a relationship with TARGET, or put both nodes in one scaling group`,
    );
  }

  /** A node's instances, and the same by unit and by host (built once per resolver). */
  private placement(node: string): { all: PlacedInstance[]; byUnit: Map<string, PlacedInstance[]>; byHost: Map<string, PlacedInstance[]> } {
    if (!this.instancesByNode) {
      this.instancesByNode = new Map();
      const add = (index: Map<string, PlacedInstance[]>, key: string, instance: PlacedInstance) => {
        const list = index.get(key);
        if (list) list.push(instance);
        else index.set(key, [instance]);
      };
      for (const instance of this.desired.values()) {
        let placed = this.instancesByNode.get(instance.node);
        if (!placed) this.instancesByNode.set(instance.node, (placed = { all: [], byUnit: new Map(), byHost: new Map() }));
        placed.all.push(instance);
        if (instance.unit) add(placed.byUnit, instance.unit, instance);
        if (instance.host) add(placed.byHost, instance.host, instance);
      }
    }
    return this.instancesByNode.get(node) ?? { all: [], byUnit: new Map(), byHost: new Map() };
  }
}
