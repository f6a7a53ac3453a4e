import { attr } from '../../action.ts';
import type { ManifestAction } from '../../manifest.ts';
import { isLinted, type LintManifest, type LintRule } from '../types.ts';
import { followRenames, type Known, knownManifests, RenameError } from './obsolete-dependency.ts';

const runs = new WeakMap<readonly LintManifest[], Known[]>();

/**
 * pkglint.manifest002: a renamed package (pkg.renamed) holds only set,
 * depend and signature actions, requires what it was renamed to, and its
 * renames, followed through the manifests of the run, neither loop nor end
 * at an obsolete package.
 */
export const renames: LintRule = {
  id: 'pkglint.manifest002',
  description: 'Renamed packages should have valid contents.',
  check(m, all, report) {
    if (!m.attrs.has('pkg.renamed')) return;
    let known = runs.get(all);
    if (!known) {
      known = knownManifests(all);
      runs.set(all, known);
    }
    const invalidId = `${this.id}.1`;
    let invalid = false;
    let lintedAction: ManifestAction | undefined;
    let requires = 0;
    for (const a of m.actions) {
      const { action } = a;
      if (!['set', 'depend', 'signature'].includes(action.name)) {
        if (isLinted(a.action, invalidId)) {
          lintedAction = a;
          continue;
        }
        invalid = true;
      }
      if (action.name === 'depend') {
        if (
          !(attr(action, 'fmri') ?? '').includes('incorporation') ||
          attr(action, 'type') === 'require'
        )
          requires++;
      }
    }
    const text = `renamed package ${m.fmri} contains actions other than set, depend or signature actions`;
    if (invalid) report('ERROR', invalidId, text);
    // Only linted actions were in the way: reported as linted, as pkglint does.
    else if (lintedAction) report('ERROR', invalidId, text, { action: lintedAction });
    if (requires === 0)
      report(
        'ERROR',
        `${this.id}.2`,
        `renamed package ${m.fmri} does not declare a 'require' dependency indicating what it was renamed to`,
      );
    try {
      const end = followRenames(known, m.fmri, false);
      if (!end)
        report(
          'WARNING',
          `${this.id}.3`,
          `unable to follow renames for ${m.fmri}: possible missing package`,
        );
      else if (end.m.attrs.has('pkg.obsolete'))
        report(
          'ERROR',
          `${this.id}.5`,
          `package ${m.fmri} was renamed to an obsolete package ${end.m.fmri}`,
        );
    } catch (e) {
      if (!(e instanceof RenameError)) throw e;
      report('ERROR', `${this.id}.4`, `package renaming: ${e.message}`);
    }
  },
};
