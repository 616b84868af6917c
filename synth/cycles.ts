/**
 * Finds a cycle in a directed graph, in a stable order: nodes and edges are visited sorted and
 * the cycle is rotated to start at its smallest node, so the same cycle is reported the same way
 * whatever else the graph holds. Returns the path with its first node repeated at the end, or
 * undefined when the graph is acyclic. Iterative, so deep graphs do not overflow.
 *
 * Most graphs have no cycle, so a linear topological pass (Kahn) answers first; the sorted
 * depth-first search that names the path runs only when there is a cycle to report.
 */
export function findCycle(nodes: Iterable<string>, edgesOf: (node: string) => Iterable<string>): string[] | undefined {
  const names = [...nodes];
  const index = new Map<string, number>();
  names.forEach((name, i) => index.set(name, i));
  const edges: string[][] = names.map((name) => [...edgesOf(name)]);
  if (isAcyclic(names, edges, index)) return undefined;
  return sortedSearch(names, edges, index);
}

function isAcyclic(names: string[], edges: string[][], index: Map<string, number>): boolean {
  const incoming = new Int32Array(names.length);
  for (const targets of edges) for (const target of targets) {
    const t = index.get(target);
    if (t !== undefined) incoming[t]++;
  }
  const ready: number[] = [];
  for (let i = 0; i < names.length; i++) if (incoming[i] === 0) ready.push(i);
  let done = 0;
  while (ready.length > 0) {
    const node = ready.pop()!;
    done++;
    for (const target of edges[node]) {
      const t = index.get(target);
      if (t !== undefined && --incoming[t] === 0) ready.push(t);
    }
  }
  return done === names.length;
}

function sortedSearch(names: string[], edges: string[][], index: Map<string, number>): string[] | undefined {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const color = new Map<string, number>();
  const edgesOf = (node: string) => {
    const i = index.get(node);
    return i === undefined ? [] : [...edges[i]].sort();
  };
  for (const start of [...names].sort()) {
    if ((color.get(start) ?? WHITE) !== WHITE) continue;
    const stack: Array<{ node: string; edges: string[]; next: number }> = [{ node: start, edges: edgesOf(start), next: 0 }];
    color.set(start, GREY);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (frame.next >= frame.edges.length) {
        color.set(frame.node, BLACK);
        stack.pop();
        continue;
      }
      const target = frame.edges[frame.next++];
      const state = color.get(target) ?? WHITE;
      if (state === GREY) {
        const path = stack.map((f) => f.node);
        const cycle = path.slice(path.indexOf(target));
        const smallest = cycle.reduce((best, node, i) => (node < cycle[best] ? i : best), 0);
        const rotated = [...cycle.slice(smallest), ...cycle.slice(0, smallest)];
        return [...rotated, rotated[0]];
      }
      if (state === WHITE) {
        color.set(target, GREY);
        stack.push({ node: target, edges: edgesOf(target), next: 0 });
      }
    }
  }
  return undefined;
}
