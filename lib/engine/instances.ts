import { ErrorCode, HybridError } from '../core/errors';
import type { DeploymentModel, ModelNode } from './model';
import type { InstanceRecord, RelationshipRecord, StateSnapshot } from './state/types';

/** A node instance the blueprint asks for, with its placement and relationship instances. */
export interface DesiredInstance {
  readonly id: string;
  readonly node: string;
  readonly index: number;
  readonly host?: string;
  readonly unit?: string;
  /** One entry per relationship instance, in declaration order; `relationship` indexes the node's. */
  relationships: Array<RelationshipRecord & { readonly relationship: number }>;
}

export function instanceId(node: string, index: number): string {
  return `${node}_${index}`;
}

function indexOfUnit(unit: string): number {
  return Number(unit.slice(unit.lastIndexOf('_') + 1));
}

/** Nodes ordered so that every host comes before what it contains. */
export function hostFirstOrder(model: DeploymentModel): ModelNode[] {
  const ordered: ModelNode[] = [];
  const placed = new Set<string>();
  const visit = (node: ModelNode, path: string[]) => {
    if (placed.has(node.name)) return;
    if (path.includes(node.name)) {
      throw new HybridError(ErrorCode.CycleDetected, `contained_in cycle: ${[...path, node.name].join(' -> ')}`);
    }
    if (node.host) visit(model.nodes.get(node.host)!, [...path, node.name]);
    placed.add(node.name);
    ordered.push(node);
  };
  for (const name of [...model.nodes.keys()].sort()) visit(model.nodes.get(name)!, []);
  return ordered;
}

/** The requested count for a scalable entity: `hybrid scale` wins until the blueprint default changes. */
function requestedCount(state: StateSnapshot | undefined, name: string, blueprintDefault: number): number {
  const scaled = state?.scaling[name];
  return scaled && scaled.blueprintDefault === blueprintDefault ? scaled.count : blueprintDefault;
}

/**
 * Expands nodes into instances, keeping the ids state already has: for each place an instance
 * can live (the deployment, a host instance, a scaling-group unit) existing instances are kept
 * lowest index first, extra ones are dropped from the highest, and new ones get fresh indices.
 */
export function expandInstances(model: DeploymentModel, state: StateSnapshot | undefined): Map<string, DesiredInstance> {
  const existingByNode = new Map<string, InstanceRecord[]>();
  for (const record of Object.values(state?.instances ?? {})) {
    const list = existingByNode.get(record.node) ?? [];
    list.push(record);
    existingByNode.set(record.node, list);
  }
  for (const list of existingByNode.values()) list.sort((a, b) => a.index - b.index);

  // Scaling-group units.
  const units = new Map<string, string[]>();
  for (const group of model.groups.values()) {
    const count = requestedCount(state, group.name, group.default);
    const existing = new Set<number>();
    for (const member of group.members) for (const record of existingByNode.get(member) ?? []) if (record.unit?.startsWith(`${group.name}_`)) existing.add(indexOfUnit(record.unit));
    const kept = [...existing].sort((a, b) => a - b).slice(0, count);
    let next = existing.size ? Math.max(...existing) + 1 : 0;
    while (kept.length < count) kept.push(next++);
    units.set(group.name, kept.sort((a, b) => a - b).map((index) => `${group.name}_${index}`));
  }

  const desired = new Map<string, DesiredInstance>();
  const byNode = new Map<string, DesiredInstance[]>();
  for (const node of hostFirstOrder(model)) {
    const directMember = node.group !== undefined && model.groups.get(node.group)!.members.includes(node.name) && !(node.host && model.nodes.get(node.host)!.group === node.group);
    type Place = { host?: string; unit?: string; key: string };
    let places: Place[];
    if (node.host) places = (byNode.get(node.host) ?? []).map((host) => ({ host: host.id, unit: host.unit, key: `host:${host.id}` }));
    else if (directMember) places = units.get(node.group!)!.map((unit) => ({ unit, key: `unit:${unit}` }));
    else places = [{ key: 'deployment' }];

    const existing = existingByNode.get(node.name) ?? [];
    let nextIndex = existing.length ? existing[existing.length - 1].index + 1 : 0;
    // Instances whose node now lives on another host node keep their ids on the new hosts (the
    // plan replaces them as moved) instead of being dropped and recreated under new ids.
    const hostNodeOf = (record: InstanceRecord) => (record.host ? state?.instances[record.host]?.node : undefined);
    const settled = existing.filter((record) => hostNodeOf(record) === node.host);
    const moved = existing.filter((record) => hostNodeOf(record) !== node.host);
    const perPlace = node.host || directMember ? node.scalable.default : requestedCount(state, node.name, node.scalable.default);
    // Recorded instances by the place they live in (the same keys as places).
    const recordedAt = new Map<string, InstanceRecord[]>();
    for (const record of settled) {
      const key = node.host ? `host:${record.host}` : directMember ? `unit:${record.unit}` : 'deployment';
      const here = recordedAt.get(key);
      if (here) here.push(record);
      else recordedAt.set(key, [record]);
    }
    const list: DesiredInstance[] = [];
    for (const place of places) {
      const here = recordedAt.get(place.key) ?? [];
      const indices = here.slice(0, perPlace).map((record) => record.index);
      while (indices.length < perPlace && moved.length > 0) indices.push(moved.shift()!.index);
      while (indices.length < perPlace) indices.push(nextIndex++);
      for (const index of indices) {
        const instance: DesiredInstance = { id: instanceId(node.name, index), node: node.name, index, host: place.host, unit: place.unit, relationships: [] };
        list.push(instance);
        desired.set(instance.id, instance);
      }
    }
    byNode.set(node.name, list.sort((a, b) => a.index - b.index));
  }

  // Relationship instances: within one scaling unit or one host, relationships stay inside it.
  // An instance's scopes are the units and hosts it sits in, transitively.
  const scopesMemo = new Map<string, string[]>();
  const scopesOf = (instance: DesiredInstance): string[] => {
    let scopes = scopesMemo.get(instance.id);
    if (!scopes) {
      scopes = [];
      for (let current: DesiredInstance | undefined = instance; current; current = current.host ? desired.get(current.host) : undefined) {
        if (current.unit) scopes.push(current.unit);
        if (current.host) scopes.push(current.host);
      }
      scopesMemo.set(instance.id, scopes);
    }
    return scopes;
  };
  // Per target node: its instances by each scope they sit in.
  const byScope = new Map<string, Map<string, DesiredInstance[]>>();
  const scopeIndex = (node: string): Map<string, DesiredInstance[]> => {
    let index = byScope.get(node);
    if (!index) {
      index = new Map();
      for (const candidate of byNode.get(node) ?? []) {
        for (const scope of scopesOf(candidate)) {
          const list = index.get(scope);
          if (list) list.push(candidate);
          else index.set(scope, [candidate]);
        }
      }
      byScope.set(node, index);
    }
    return index;
  };
  for (const instance of desired.values()) {
    const node = model.nodes.get(instance.node)!;
    node.relationships.forEach((relationship, index) => {
      let targets: DesiredInstance[];
      if (relationship.typeHierarchy.includes('cloudify.relationships.contained_in')) {
        targets = instance.host ? [desired.get(instance.host)!] : [];
      } else {
        // Near targets share a unit or host with the source, or are one of its hosts.
        const near = new Set<DesiredInstance>();
        const index = scopeIndex(relationship.target);
        for (const scope of scopesOf(instance)) {
          for (const candidate of index.get(scope) ?? []) near.add(candidate);
          const host = desired.get(scope);
          if (host && host.node === relationship.target) near.add(host);
        }
        targets = near.size > 0 ? [...near].sort((a, b) => a.index - b.index) : byNode.get(relationship.target) ?? [];
        if (relationship.connectionType === 'all_to_one') targets = targets.slice(0, 1);
      }
      for (const target of targets) instance.relationships.push({ type: relationship.type, target: target.id, relationship: index });
    });
  }
  return desired;
}
