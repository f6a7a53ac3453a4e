import { checkPathValue } from '../project/path-values.ts';
import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';

/** The part of a package the graph cares about. */
export interface GraphNode {
  name: string;
  dependencies: readonly string[];
  /** Shown when a dependency is missing. */
  definitionFile?: string;
}

/**
 * Loads the listed packages and, breadth first, everything they depend on.
 * `loadBatch` returns undefined for a name with no definition; that becomes
 * an error naming who needs it and the closest existing names.
 */
export async function loadClosure<T extends GraphNode>(
  listed: readonly string[],
  loadBatch: (names: string[]) => Promise<Array<T | undefined>>,
  knownNames: () => Promise<string[]>,
  /** The project config, named when a listed name is refused. */
  configFile?: string,
): Promise<Map<string, T>> {
  const loaded = new Map<string, T>();
  const neededBy = new Map<string, string>();
  let frontier = [...new Set(listed)];
  while (frontier.length > 0) {
    // Before a name is used to look for package/<name>/: never "../x".
    for (const name of frontier) {
      const who = neededBy.get(name);
      checkPathValue('name', name, who ?? name, who ? loaded.get(who)?.definitionFile : configFile);
    }
    const results = await loadBatch(frontier);
    const inFrontier = new Set(frontier);
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i++) {
      const name = frontier[i]!;
      const pkg = results[i];
      if (!pkg) {
        const who = neededBy.get(name);
        const known = await knownNames();
        // A folder of that name without a definition in it: say so, rather
        // than suggesting the very name that was asked for.
        const folderOnly = known.includes(name);
        const hint = didYouMean(
          name,
          known.filter((n) => n !== name),
        );
        const noDefinition = `has a folder package/${name}/ but no definition file in it`;
        const message = folderOnly
          ? who
            ? `package "${who}" depends on package "${name}", which ${noDefinition}`
            : `package "${name}" ${noDefinition}`
          : who
            ? `package "${who}" depends on unknown package "${name}"${hint}`
            : `unknown package "${name}" listed in the project's packages${hint}`;
        throw new RelengError(message, {
          file: who ? loaded.get(who)?.definitionFile : undefined,
          pkg: who ?? name,
          hint: folderOnly
            ? `name the definition after the package: package/${name}/${name}.ts in a releng project, package/${name}/${name}.rt (or ${name}) in a releng-tool project`
            : `create package/${name}/ with a definition, or fix the name`,
        });
      }
      loaded.set(name, pkg);
      for (const dep of pkg.dependencies) {
        if (!loaded.has(dep) && !neededBy.has(dep) && !inFrontier.has(dep)) {
          neededBy.set(dep, name);
          next.push(dep);
        }
      }
    }
    frontier = [...new Set(next)].filter((n) => !loaded.has(n));
  }
  return loaded;
}

/**
 * Dependency order (dependencies first), stable with respect to the listed
 * order. Iterative, so a 2,000-package chain needs no deep recursion. A cycle
 * is an error that prints it: `a -> b -> a`.
 */
export function topologicalOrder(
  nodes: ReadonlyMap<string, GraphNode>,
  roots: readonly string[],
): string[] {
  const state = new Map<string, 1 | 2>(); // 1 = on the current path, 2 = done
  const order: string[] = [];
  for (const root of roots) {
    if (state.get(root) === 2) continue;
    const stack: Array<{ name: string; next: number }> = [{ name: root, next: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = nodes.get(top.name)?.dependencies ?? [];
      if (top.next < deps.length) {
        const dep = deps[top.next++]!;
        const s = state.get(dep);
        if (s === 2) continue;
        if (s === 1) {
          const start = stack.findIndex((f) => f.name === dep);
          const cycle = [...stack.slice(start).map((f) => f.name), dep];
          throw new RelengError(`dependency cycle: ${cycle.join(' -> ')}`, {
            pkg: dep,
            file: nodes.get(dep)?.definitionFile,
            hint: 'remove one of these dependencies',
          });
        }
        state.set(dep, 1);
        stack.push({ name: dep, next: 0 });
      } else {
        state.set(top.name, 2);
        order.push(top.name);
        stack.pop();
      }
    }
  }
  return order;
}
