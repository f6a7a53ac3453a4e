import { attr, cmpStr } from '../../action.ts';
import type { ManifestAction } from '../../manifest.ts';
import { type LintManifest, type LintRule, variantOverlap } from '../types.ts';

interface Delivery {
  fmri: string;
  a: ManifestAction;
  variants: Map<string, string[]>;
}

const indexes = new Map<string, WeakMap<readonly LintManifest[], Map<string, Delivery[]>>>();

/** Every action (of `seedTypes`, or any) with attribute `name` in the run, by value (built once per run). */
function byValue(
  all: readonly LintManifest[],
  name: string,
  seedTypes?: readonly string[],
): Map<string, Delivery[]> {
  const key = `${name}:${seedTypes?.join(',') ?? '*'}`;
  let index = indexes.get(key);
  if (!index) {
    index = new WeakMap();
    indexes.set(key, index);
  }
  let map = index.get(all);
  if (map) return map;
  map = new Map();
  for (const m of all) {
    for (const a of m.actions) {
      if (seedTypes && !seedTypes.includes(a.action.name)) continue;
      const p = attr(a.action, name);
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

/**
 * pkglint's dup_attr_check: a value of `attrName` on an action of `checked`
 * kinds that more than one action of the run delivers, where two of them can
 * be installed together (their variants meet). Reported once, from the first
 * package delivering it.
 */
export function duplicateCheck(
  id: string,
  checked: readonly string[],
  attrName: string,
  seedTypes?: readonly string[],
): LintRule['check'] {
  return (m, all, report) => {
    const map = byValue(all, attrName, seedTypes);
    const done = new Set<string>();
    for (const a of m.actions) {
      if (!checked.includes(a.action.name)) continue;
      const p = attr(a.action, attrName);
      if (p === undefined) continue;
      const list = (map.get(p) ?? []).filter(
        (d) =>
          !(['link', 'hardlink'].includes(d.a.action.name) && d.a.action.attrs.has('mediator')),
      );
      if (list.length < 2 || done.has(p)) continue;
      done.add(p);
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
          `${id}.1`,
          `${attrName} ${p} is a duplicate delivered by ${pkgs} under all variant combinations`,
          { action: a },
        );
      } else {
        for (const v of vars) {
          report(
            'ERROR',
            `${id}.2`,
            `${attrName} ${p} is a duplicate delivered by ${pkgs} declaring overlapping variants ${v}`,
            { action: a },
          );
        }
      }
    }
  };
}
