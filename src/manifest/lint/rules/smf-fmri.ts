import { attr } from '../../action.ts';
import type { LintRule } from '../types.ts';

/** pkglint.manifest011: a package delivering SMF manifests names its services (org.opensolaris.smf.fmri). */
export const smfFmri: LintRule = {
  id: 'pkglint.manifest011',
  description: 'Packages delivering SMF services should have org.opensolaris.smf.fmri attributes.',
  check(m, _all, report) {
    const smf: string[] = [];
    for (const { action } of m.actions) {
      if (action.name !== 'file') continue;
      const p = attr(action, 'path') ?? '';
      if (
        p.endsWith('.xml') &&
        (p.startsWith('lib/svc/manifest') || p.startsWith('var/svc/manifest'))
      )
        smf.push(p);
    }
    if (smf.length === 0 || m.attrs.has('org.opensolaris.smf.fmri')) return;
    report(
      'WARNING',
      this.id,
      `SMF manifests were delivered by ${m.fmri}, but no org.opensolaris.smf.fmri attribute was found. Manifests found were: ${smf.join(' ')}`,
    );
  },
};
