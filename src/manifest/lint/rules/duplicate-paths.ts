import { attr, cmpStr } from '../../action.ts';
import type { ManifestAction } from '../../manifest.ts';
import { type LintManifest, type LintRule, variantOverlap } from '../types.ts';

interface Delivery {
  fmri: string;
  a: ManifestAction;
  variants: Map<string, string[]>;
}

const index = new WeakMap<readonly LintManifest[], Map<string, Delivery[]>>();

/** Every action with a path in the run, by path (built once per run). */
function byPath(all: readonly LintManifest[]): Map<string, Delivery[]> {
  let map = index.get(all);
  if (map) return map;
  map = new Map();
  for (const m of all) {
    for (const a of m.actions) {
      const p = attr(a.action, 'path');
      if (p === undefined) continue;
      const list = map.get(p);
      const d = { fmri: m.fmri, a, variants: m.variants };
      if (list) list.push(d);
      else map.set(p, [d]);
    }
  }
  index.set(all, map);
  return map;
}

/** pkglint.dupaction001: a file path delivered twice (by one package or several) where both can be installed. */
export const duplicatePaths: LintRule = {
  id: 'pkglint.dupaction001',
  description: 'Paths should be unique.',
  check(m, all, report) {
    const map = byPath(all);
    const done = new Set<string>();
    for (const a of m.actions) {
      if (a.action.name !== 'file') continue;
      const p = attr(a.action, 'path') as string;
      const list = (map.get(p) ?? []).filter(
        (d) =>
          !(['link', 'hardlink'].includes(d.a.action.name) && d.a.action.attrs.has('mediator')),
      );
      if (list.length < 2 || done.has(p)) continue;
      done.add(p);
      // Report once, from the first package that delivers it.
      if ((list[0] as Delivery).fmri !== m.fmri) continue;
      let conflict = false;
      const vars = new Set<string>();
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const x = list[i] as Delivery;
          const y = list[j] as Delivery;
          const o = variantOverlap(x.a.action, y.a.action, x.variants);
          if (!o.overlaps) continue;
          conflict = true;
          if (o.constrained.length > 0)
            vars.add(
              o.constrained
                .map(([k, v]) => `${k}=${v}`)
                .sort(cmpStr)
                .join(' '),
            );
        }
      }
      if (!conflict) continue;
      const pkgs = [...new Set(list.map((d) => d.fmri))].sort(cmpStr).join(' ');
      if (vars.size === 0) {
        report(
          'ERROR',
          `${this.id}.1`,
          `path ${p} is a duplicate delivered by ${pkgs} under all variant combinations`,
          { action: a },
        );
      } else {
        for (const v of vars) {
          report(
            'ERROR',
            `${this.id}.2`,
            `path ${p} is a duplicate delivered by ${pkgs} declaring overlapping variants ${v}`,
            { action: a },
          );
        }
      }
    }
  },
};
