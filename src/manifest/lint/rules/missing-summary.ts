import type { LintRule } from '../types.ts';

/** pkglint.manifest010: every package (not renamed or obsolete) has a pkg.summary. */
export const missingSummary: LintRule = {
  id: 'pkglint.manifest010',
  description: 'Standard package attributes should be present.',
  check(m, _all, report) {
    if (m.attrs.has('pkg.renamed') || m.attrs.has('pkg.obsolete')) return;
    if (!m.attrs.has('pkg.summary'))
      report('ERROR', `${this.id}.2`, `Missing attribute 'pkg.summary' in ${m.fmri}`);
  },
};
