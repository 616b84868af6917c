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
    const perPlace = node.host || directMember ? node.scalable.default : requestedCount(state, node.name, node.scalable.default);
    const list: DesiredInstance[] = [];
    for (const place of places) {
      const here = existing.filter((record) => (place.host ? record.host === place.host : directMember ? record.unit === place.unit : record.host === undefined));
      const indices = here.slice(0, perPlace).map((record) => record.index);
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
  const ancestors = (instance: DesiredInstance): Set<string> => {
    const result = new Set<string>();
    let current: DesiredInstance | undefined = instance;
    while (current) {
      if (current.unit) result.add(current.unit);
      if (current.host) result.add(current.host);
      current = current.host ? desired.get(current.host) : undefined;
    }
    return result;
  };
  for (const instance of desired.values()) {
    const node = model.nodes.get(instance.node)!;
    const mine = ancestors(instance);
    node.relationships.forEach((relationship, index) => {
      let targets: DesiredInstance[];
      if (relationship.typeHierarchy.includes('cloudify.relationships.contained_in')) {
        targets = instance.host ? [desired.get(instance.host)!] : [];
      } else {
        const candidates = byNode.get(relationship.target) ?? [];
        const near = candidates.filter((candidate) => candidate.id === instance.host || [...ancestors(candidate)].some((scope) => mine.has(scope)) || mine.has(candidate.id));
        targets = near.length > 0 ? near : candidates;
        if (relationship.connectionType === 'all_to_one') targets = targets.slice(0, 1);
      }
      for (const target of targets) instance.relationships.push({ type: relationship.type, target: target.id, relationship: index });
    });
  }
  return desired;
}
