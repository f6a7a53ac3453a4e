import { cmpStr } from '../../action.ts';
import type { ManifestAction } from '../../manifest.ts';
import { type LintRule, variantOverlap } from '../types.ts';

/** pkglint.manifest006: one `set` per name (unless their variants never meet). */
export const duplicateSets: LintRule = {
  id: 'pkglint.manifest006',
  description: "Packages should not have duplicate 'set' actions.",
  check(m, _all, report) {
    const seen = new Map<string, ManifestAction[]>();
    for (const a of m.actions) {
      if (a.action.name !== 'set') continue;
      const name = a.action.attrs.get('name') as string;
      seen.set(name, [...(seen.get(name) ?? []), a]);
    }
    const dups: string[] = [];
    for (const [name, list] of seen) {
      if (list.length < 2) continue;
      let conflict = false;
      for (let i = 0; i < list.length && !conflict; i++) {
        for (let j = i + 1; j < list.length && !conflict; j++) {
          conflict = variantOverlap(
            (list[i] as ManifestAction).action,
            (list[j] as ManifestAction).action,
            m.variants,
          ).overlaps;
        }
      }
      if (conflict) dups.push(name);
    }
    if (dups.length > 0)
      report(
        'ERROR',
        this.id,
        `duplicate set actions on ${dups.sort(cmpStr).join(' ')} in ${m.fmri}`,
      );
  },
};
