import type { LintRule } from '../types.ts';

/** pkglint.action012: `facet.*` attributes are true, false or all. */
export const facetValue: LintRule = {
  id: 'pkglint.action012',
  description: 'facet value should be set to a valid value in an action attribute',
  check(m, _all, report) {
    for (const a of m.actions) {
      for (const [k, v] of a.action.attrs) {
        // pkg(5) lower-cases the value; a repeated facet (a list, which pkglint cannot check) is reported.
        if (!k.startsWith('facet')) continue;
        if (typeof v === 'string' && ['true', 'false', 'all'].includes(v.toLowerCase())) continue;
        report(
          'WARNING',
          this.id,
          `facet value should be set to 'true', 'false' or 'all' in attribute name ${k} in ${m.fmri}`,
          { action: a },
        );
      }
    }
  },
};
