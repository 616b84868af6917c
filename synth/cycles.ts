/**
 * Finds a cycle in a directed graph, in a stable order: nodes and edges are visited sorted and
 * the cycle is rotated to start at its smallest node, so the same cycle is reported the same way
 * whatever else the graph holds. Returns the path with its first node repeated at the end, or
 * undefined when the graph is acyclic. Iterative, so deep graphs do not overflow.
 */
export function findCycle(nodes: Iterable<string>, edgesOf: (node: string) => Iterable<string>): string[] | undefined {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const color = new Map<string, number>();
  const sortedNodes = [...nodes].sort();
  for (const start of sortedNodes) {
    if ((color.get(start) ?? WHITE) !== WHITE) continue;
    const stack: Array<{ node: string; edges: string[]; next: number }> = [{ node: start, edges: [...edgesOf(start)].sort(), next: 0 }];
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
        const smallest = cycle.reduce((best, node, index) => (node < cycle[best] ? index : best), 0);
        const rotated = [...cycle.slice(smallest), ...cycle.slice(0, smallest)];
        return [...rotated, rotated[0]];
      }
      if (state === WHITE) {
        color.set(target, GREY);
        stack.push({ node: target, edges: [...edgesOf(target)].sort(), next: 0 });
      }
    }
  }
  return undefined;
}
