import { findCycle } from '../../synth/cycles';

function graph(edges: { [node: string]: string[] }) {
  return findCycle(Object.keys(edges), (node) => edges[node] ?? []);
}

describe('findCycle', () => {
  test('returns undefined for an acyclic graph', () => {
    expect(graph({ a: ['b'], b: ['c'], c: [] })).toBeUndefined();
  });

  test('returns the cycle with its first node repeated at the end', () => {
    expect(graph({ b: ['c'], c: ['b'] })).toEqual(['b', 'c', 'b']);
  });

  test('starts the cycle at its smallest node whatever the search started from', () => {
    expect(graph({ a: ['d'], d: ['c'], c: ['b'], b: ['d'] })).toEqual(['b', 'd', 'c', 'b']);
  });

  test('reports a self-loop', () => {
    expect(graph({ a: ['a'] })).toEqual(['a', 'a']);
  });

  test('handles a chain deeper than the call stack allows for recursion', () => {
    const edges: { [node: string]: string[] } = {};
    for (let i = 0; i < 100_000; i++) edges[`n${i}`] = [`n${i + 1}`];
    edges.n100000 = ['n0'];
    expect(graph(edges)?.length).toBe(100_002);
  });
});
