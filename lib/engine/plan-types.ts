/**
 * Plan is data: the planner returns it, the CLI shows it, the executor runs exactly it. A saved
 * plan carries the state serial and lineage it was made against, so it is refused if state moved.
 */

export type StepAction = 'create' | 'update' | 'replace' | 'delete' | 'same' | 'read';

/** One property difference, already masked (`(secret)`) and with unknowns marked. */
export interface PropertyChange {
  /** The top-level property. */
  readonly property: string;
  /** The changed place inside a structured property (`definition.spec.replicas`), when narrower. */
  readonly path?: string;
  /** Display form of the old value; undefined when the property is new. */
  readonly before?: string;
  /** Display form of the new value; `(known after apply)` when not yet known. */
  readonly after?: string;
  /** True when this change alone forces a replacement. */
  readonly forcesReplacement?: boolean;
}

export interface PlanStep {
  readonly action: StepAction;
  readonly instance: string;
  readonly node: string;
  readonly type: string;
  /** Construct path of the node, when the blueprint came from a program. */
  readonly constructPath?: string;
  /** Why: `new instance`, `properties changed`, `resume after failure (configuring)`, `removed from blueprint`... */
  readonly reason: string;
  readonly changes: ReadonlyArray<PropertyChange>;
  /** Instances whose steps must finish first (creates/updates) or that must be deleted first (deletes). */
  readonly dependsOn: ReadonlyArray<string>;
  /** For resumed instances: the status the instance is in. */
  readonly fromStatus?: string;
}

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly delete: number;
  readonly same: number;
}

export interface Plan {
  readonly version: 1;
  readonly stack: string;
  readonly workflow: 'install' | 'uninstall';
  /** State lineage and serial the plan was made against (undefined lineage: no state yet). */
  readonly lineage?: string;
  readonly serial: number;
  /** sha256 of the blueprint and inputs the plan was made from. */
  readonly blueprintDigest: string;
  readonly steps: ReadonlyArray<PlanStep>;
  readonly summary: PlanSummary;
  /** Outputs as far as known at plan time. */
  readonly outputs: { readonly [name: string]: string };
}

/** True when applying the plan would change something. */
export function planHasChanges(plan: Plan): boolean {
  return plan.summary.create + plan.summary.update + plan.summary.replace + plan.summary.delete > 0;
}

/** True when the plan deletes or replaces something (the CLI asks before it applies those). */
export function planIsDestructive(plan: Plan): boolean {
  return plan.summary.delete + plan.summary.replace > 0;
}
