import type { LintRule } from '../types.ts';

/** pkglint.manifest009: empty summary or description, or a description that repeats the summary. */
export const bogusDescription: LintRule = {
  id: 'pkglint.manifest009',
  description: "A package's description should not match its summary.",
  check(m, _all, report) {
    const desc = m.attrs.get('pkg.description')?.[0];
    const summ = m.attrs.get('pkg.summary')?.[0];
    if (desc === '') report('WARNING', `${this.id}.1`, `Empty pkg.description in ${m.fmri}`);
    if (summ === '') report('WARNING', `${this.id}.3`, `Empty pkg.summary in ${m.fmri}`);
    if (desc && desc === summ)
      report('WARNING', `${this.id}.2`, `pkg.description matches pkg.summary in ${m.fmri}`);
  },
};
