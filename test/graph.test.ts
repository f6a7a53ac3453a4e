import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GraphNode, loadClosure, topologicalOrder } from '../src/engine/graph.ts';
import { RelengError } from '../src/util/errors.ts';

const nodes = (spec: Record<string, string[]>): Map<string, GraphNode> =>
  new Map(Object.entries(spec).map(([name, dependencies]) => [name, { name, dependencies }]));

describe('topologicalOrder', () => {
  it('puts dependencies first and keeps the listed order otherwise', () => {
    const order = topologicalOrder(
      nodes({ app: ['libb', 'liba'], liba: [], libb: ['liba'], tool: [] }),
      ['tool', 'app'],
    );
    assert.deepEqual(order, ['tool', 'liba', 'libb', 'app']);
  });

  it('reports a cycle as a -> b -> a', () => {
    assert.throws(
      () => topologicalOrder(nodes({ a: ['b'], b: ['c'], c: ['a'] }), ['a']),
      (err: unknown) =>
        err instanceof RelengError && err.message === 'dependency cycle: a -> b -> c -> a',
    );
  });

  it('reports a self-dependency', () => {
    assert.throws(() => topologicalOrder(nodes({ a: ['a'] }), ['a']), /dependency cycle: a -> a/);
  });

  it('handles a 5,000-package chain without recursion limits', () => {
    const spec: Record<string, string[]> = { p0: [] };
    for (let i = 1; i < 5000; i++) spec[`p${i}`] = [`p${i - 1}`];
    const order = topologicalOrder(nodes(spec), ['p4999']);
    assert.equal(order.length, 5000);
    assert.equal(order[0], 'p0');
    assert.equal(order[4999], 'p4999');
  });
});

describe('loadClosure', () => {
  it('loads dependencies implicitly, breadth first, each once', async () => {
    const spec: Record<string, string[]> = { app: ['lib', 'util'], lib: ['util'], util: [] };
    const calls: string[][] = [];
    const loaded = await loadClosure(
      ['app'],
      async (names) => {
        calls.push(names);
        return names.map((n) => ({ name: n, dependencies: spec[n]! }));
      },
      async () => Object.keys(spec),
    );
    assert.deepEqual([...loaded.keys()].sort(), ['app', 'lib', 'util']);
    assert.deepEqual(calls, [['app'], ['lib', 'util']]);
  });

  it('names who needs a missing package and suggests close names', async () => {
    await assert.rejects(
      loadClosure(
        ['app'],
        async (names) =>
          names.map((n) => (n === 'app' ? { name: n, dependencies: ['libfo'] } : undefined)),
        async () => ['app', 'libfoo'],
      ),
      (err: unknown) =>
        err instanceof RelengError &&
        err.message ===
          'package "app" depends on unknown package "libfo" (did you mean "libfoo"?)' &&
        err.details.pkg === 'app',
    );
  });
});
