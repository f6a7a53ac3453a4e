import { actionToString, attrList } from '../../action.ts';
import { isValidFmri } from '../../fmri.ts';
import type { LintRule } from '../types.ts';

/** pkglint.action006: every `fmri` attribute (each of a list) is an FMRI pkg(5) accepts. */
export const validFmri: LintRule = {
  id: 'pkglint.action006',
  description: 'pkg(5) FMRIs should be valid.',
  check(m, _all, report) {
    for (const a of m.actions) {
      for (const f of attrList(a.action, 'fmri')) {
        if (isValidFmri(f)) continue;
        report(
          'ERROR',
          this.id,
          `invalid FMRI in action ${actionToString(a.action)} in ${m.fmri}`,
          { action: a },
        );
      }
    }
  },
};
