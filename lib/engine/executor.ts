import { setMaxListeners } from 'events';
import { ErrorCode, HybridError } from '../core/errors';

/** One unit of work in the graph walk. */
export interface Task {
  readonly id: string;
  readonly dependsOn: ReadonlyArray<string>;
  /** Relative cost, used to start long chains first. @default 1 */
  readonly weight?: number;
  run(signal: AbortSignal): Promise<void>;
}

export type TaskStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface TaskOutcome {
  readonly id: string;
  readonly status: TaskStatus;
  readonly error?: unknown;
  /** For skipped tasks: the failed task that caused the skip. */
  readonly rootCause?: string;
  readonly durationMs: number;
}

export interface RunOptions {
  /** How many tasks run at once. */
  readonly concurrency: number;
  /** Stops scheduling new tasks; running ones get the signal. */
  readonly signal?: AbortSignal;
  onStart?(id: string): void;
  onFinish?(outcome: TaskOutcome): void;
}

/**
 * Walks a task graph with bounded concurrency. A task starts only when all its dependencies
 * succeeded; when one fails, its dependents are skipped (naming the root cause) and independent
 * branches go on. Ready tasks start longest remaining chain first, which keeps the schedule close
 * to the critical path. Dependencies on ids that are not tasks count as satisfied.
 */
export async function runGraph(tasks: ReadonlyArray<Task>, options: RunOptions): Promise<Map<string, TaskOutcome>> {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  // Every running task listens for the run's abort; with high concurrency that is many listeners, by design.
  if (options.signal) setMaxListeners(0, options.signal);
  const dependents = new Map<string, string[]>();
  const waitingOn = new Map<string, number>();
  for (const task of tasks) {
    const dependencies = [...new Set(task.dependsOn)].filter((dependency) => byId.has(dependency));
    waitingOn.set(task.id, dependencies.length);
    for (const dependency of dependencies) {
      const list = dependents.get(dependency) ?? [];
      list.push(task.id);
      dependents.set(dependency, list);
    }
  }
  assertAcyclic(tasks, byId);
  const priority = longestChains(tasks, byId, dependents);

  const outcomes = new Map<string, TaskOutcome>();
  // Ready tasks, longest remaining chain first (ties: smaller id first).
  const ready = new Heap<string>((a, b) => priority.get(a)! - priority.get(b)! || (a < b ? 1 : a > b ? -1 : 0));
  for (const task of tasks) if (waitingOn.get(task.id) === 0) ready.push(task.id);
  let running = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const finish = (outcome: TaskOutcome) => {
    outcomes.set(outcome.id, outcome);
    options.onFinish?.(outcome);
    if (outcome.status === 'succeeded') {
      for (const dependent of dependents.get(outcome.id) ?? []) {
        const remaining = waitingOn.get(dependent)! - 1;
        waitingOn.set(dependent, remaining);
        if (remaining === 0 && !outcomes.has(dependent)) ready.push(dependent);
      }
    } else {
      const cause = outcome.status === 'skipped' || outcome.status === 'cancelled' ? outcome.rootCause ?? outcome.id : outcome.id;
      skipDependents(outcome.id, cause, outcome.status === 'cancelled');
    }
  };

  const skipDependents = (id: string, cause: string, cancelled: boolean) => {
    const stack = [...(dependents.get(id) ?? [])];
    while (stack.length > 0) {
      const dependent = stack.pop()!;
      if (outcomes.has(dependent)) continue;
      const outcome: TaskOutcome = { id: dependent, status: cancelled ? 'cancelled' : 'skipped', rootCause: cause, durationMs: 0 };
      outcomes.set(dependent, outcome);
      options.onFinish?.(outcome);
      stack.push(...(dependents.get(dependent) ?? []));
    }
  };

  const pump = () => {
    if (options.signal?.aborted) {
      while (ready.length > 0) {
        const id = ready.pop()!;
        if (outcomes.has(id)) continue;
        finish({ id, status: 'cancelled', durationMs: 0 });
      }
    }
    while (running < options.concurrency && ready.length > 0) {
      const id = ready.pop()!;
      if (outcomes.has(id)) continue;
      running++;
      options.onStart?.(id);
      const started = Date.now();
      const controller = new AbortController();
      const forward = () => controller.abort(options.signal?.reason);
      options.signal?.addEventListener('abort', forward, { once: true });
      byId
        .get(id)!
        .run(controller.signal)
        .then(
          () => finish({ id, status: 'succeeded', durationMs: Date.now() - started }),
          (error) => finish({ id, status: options.signal?.aborted ? 'cancelled' : 'failed', error, durationMs: Date.now() - started }),
        )
        .finally(() => {
          options.signal?.removeEventListener('abort', forward);
          running--;
          pump();
        });
    }
    if (running === 0 && (ready.length === 0 || options.signal?.aborted)) {
      for (const task of tasks) if (!outcomes.has(task.id)) finish({ id: task.id, status: 'cancelled', durationMs: 0 });
      resolveDone();
    }
  };
  if (tasks.length === 0) return outcomes;
  pump();
  await done;
  return outcomes;
}

function assertAcyclic(tasks: ReadonlyArray<Task>, byId: Map<string, Task>): void {
  const state = new Map<string, 1 | 2>();
  for (const root of [...tasks].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (state.has(root.id)) continue;
    const stack: Array<{ id: string; next: number; edges: string[] }> = [{ id: root.id, next: 0, edges: [...root.dependsOn].filter((d) => byId.has(d)).sort() }];
    state.set(root.id, 1);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (frame.next >= frame.edges.length) {
        state.set(frame.id, 2);
        stack.pop();
        continue;
      }
      const next = frame.edges[frame.next++];
      if (state.get(next) === 1) {
        const path = stack.map((f) => f.id);
        const cycle = [...path.slice(path.indexOf(next)), next];
        throw new HybridError(ErrorCode.CycleDetected, `the steps depend on each other in a cycle: ${cycle.join(' -> ')}`);
      }
      if (!state.has(next)) {
        state.set(next, 1);
        stack.push({ id: next, next: 0, edges: [...byId.get(next)!.dependsOn].filter((d) => byId.has(d)).sort() });
      }
    }
  }
}

/** A binary max-heap: pop() returns the greatest element by `compare`. */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly compare: (a: T, b: T) => number) {}

  public get length(): number {
    return this.items.length;
  }

  public push(item: T): void {
    const items = this.items;
    items.push(item);
    for (let index = items.length - 1; index > 0; ) {
      const parent = (index - 1) >> 1;
      if (this.compare(items[index], items[parent]) <= 0) break;
      [items[index], items[parent]] = [items[parent], items[index]];
      index = parent;
    }
  }

  public pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      for (let index = 0; ; ) {
        const left = 2 * index + 1;
        const right = left + 1;
        let largest = index;
        if (left < items.length && this.compare(items[left], items[largest]) > 0) largest = left;
        if (right < items.length && this.compare(items[right], items[largest]) > 0) largest = right;
        if (largest === index) break;
        [items[index], items[largest]] = [items[largest], items[index]];
        index = largest;
      }
    }
    return top;
  }
}

/** For each task, the heaviest chain of work that waits on it (itself included). */
function longestChains(tasks: ReadonlyArray<Task>, byId: Map<string, Task>, dependents: Map<string, string[]>): Map<string, number> {
  const memo = new Map<string, number>();
  const order: string[] = [];
  // Iterative post-order over dependents so that deep graphs do not overflow the stack.
  const visited = new Set<string>();
  for (const task of tasks) {
    if (visited.has(task.id)) continue;
    const stack: Array<{ id: string; expanded: boolean }> = [{ id: task.id, expanded: false }];
    while (stack.length > 0) {
      const frame = stack.pop()!;
      if (frame.expanded) {
        order.push(frame.id);
        continue;
      }
      if (visited.has(frame.id)) continue;
      visited.add(frame.id);
      stack.push({ id: frame.id, expanded: true });
      for (const dependent of dependents.get(frame.id) ?? []) if (!visited.has(dependent)) stack.push({ id: dependent, expanded: false });
    }
  }
  for (const id of order) {
    const below = Math.max(0, ...(dependents.get(id) ?? []).map((dependent) => memo.get(dependent) ?? 0));
    memo.set(id, (byId.get(id)!.weight ?? 1) + below);
  }
  return memo;
}
