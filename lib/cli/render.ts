import type { EngineEvent } from '../engine/events';
import type { Plan, PlanStep } from '../engine/plan-types';

const SYMBOLS: { [action: string]: string } = { create: '+', update: '~', replace: '-/+', delete: '-', same: ' ', read: '?' };
const COLORS: { [action: string]: string } = { create: '32', update: '33', replace: '35', delete: '31' };

export interface Style {
  readonly color: boolean;
}

function paint(style: Style, code: string | undefined, text: string): string {
  return style.color && code ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** The plan as a person reads it: one block per changed instance, then a summary line. */
export function renderPlan(plan: Plan, style: Style): string {
  const lines: string[] = [];
  const changed = plan.steps.filter((step) => step.action !== 'same');
  for (const step of changed) lines.push(...renderStep(step, style));
  if (changed.length === 0) lines.push(`No changes. Stack '${plan.stack}' matches its blueprint.`);
  lines.push('', summaryLine(plan));
  return lines.join('\n');
}

function renderStep(step: PlanStep, style: Style): string[] {
  const symbol = SYMBOLS[step.action];
  const head = `${symbol.padStart(3)} ${step.instance} (${step.type})${step.constructPath ? ` ← ${step.constructPath}` : ''}`;
  const lines = [paint(style, COLORS[step.action], head), `      ${step.action}: ${step.reason}`];
  for (const change of step.changes) {
    const name = change.path ?? change.property;
    const forces = change.forcesReplacement && step.action === 'replace' ? '  # forces replacement' : '';
    if (change.before === undefined) lines.push(`      + ${name} = ${change.after}`);
    else if (change.after === undefined) lines.push(`      - ${name} = ${change.before}`);
    else lines.push(`      ~ ${name}: ${change.before} → ${change.after}${forces}`);
  }
  return lines;
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete, ${s.same} unchanged.`;
}

/** One line per event worth showing, or undefined to stay quiet. */
export function renderEvent(event: EngineEvent, style: Style): string | undefined {
  switch (event.type) {
    case 'step-started': return `${paint(style, '2', '…')} ${event.action} ${event.instance}`;
    case 'step-finished': return `${paint(style, '32', '✓')} ${event.action} ${event.instance} (${formatDuration(event.durationMs)})`;
    case 'step-failed': return `${paint(style, '31', '✗')} ${event.action} ${event.instance} failed after ${formatDuration(event.durationMs)}: ${event.error}`;
    case 'step-skipped': return `${paint(style, '33', '-')} ${event.action} ${event.instance} skipped: ${event.because}`;
    case 'retry': return `  ↻ ${event.instance} ${event.operation} attempt ${event.attempt + 1} in ${formatDuration(event.delayMs)}: ${event.error}`;
    case 'progress': return `  … ${event.instance}: ${event.message}`;
    case 'log': return event.level === 'debug' ? undefined : `  ${event.instance} | ${event.message}`;
    case 'drift': return event.exists ? (event.drift.length ? `  ! ${event.instance} drifted: ${event.drift.join('; ')}` : undefined) : `  ! ${event.instance} no longer exists`;
    case 'recovered': return `  ⟲ ${event.instance}: ${event.operation} from an interrupted run ${event.outcome === 'adopted' ? 'had finished; adopted what it created' : 'is run again'}`;
    case 'lock-taken-over': return `  took over the lock of a run that is gone (${event.previousHolder})`;
    default: return undefined;
  }
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
