import { attr } from '../../action.ts';
import { actionVariants, isLinted, type LintRule } from '../types.ts';

/**
 * pkglint.manifest003: the variants actions are tagged with are declared by
 * the package (`set name=variant.X`), with those values (variant.debug.*
 * excepted), and a package delivering ELF files declares variant.arch.
 */
export const variants: LintRule = {
  id: 'pkglint.manifest003',
  description: 'Variants used by packages should be valid.',
  check(m, _all, report) {
    const undefinedVars = new Set<string>();
    const unknownValues = new Set<string>();
    let archFile = false;
    for (const { action } of m.actions) {
      // pkglint leaves out actions marked pkg.linted, and those marked for one of the checks from that check.
      if (isLinted(action, '')) continue;
      if (
        (action.name === 'file' && attr(action, 'pkg.filetype') === 'elf') ||
        action.attrs.has('elfarch')
      )
        archFile = true;
      for (const [name, values] of actionVariants(action)) {
        if (name.startsWith('variant.debug')) continue;
        const declared = m.variants.get(name);
        if (!declared) {
          if (!isLinted(action, `${this.id}.1`)) undefinedVars.add(name);
        } else if (!isLinted(action, `${this.id}.2`))
          for (const v of values) if (!declared.includes(v)) unknownValues.add(`${name}=${v}`);
      }
    }
    const sorted = (s: Set<string>) => [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (undefinedVars.size)
      report(
        'ERROR',
        `${this.id}.1`,
        `variant(s) ${sorted(undefinedVars).join(' ')} not defined by ${m.fmri}`,
      );
    if (unknownValues.size)
      report(
        'ERROR',
        `${this.id}.2`,
        `variant(s) ${sorted(unknownValues).join(' ')} not in list of known values for variants in ${m.fmri}`,
      );
    if (archFile && !m.attrs.has('variant.arch'))
      report('ERROR', `${this.id}.3`, `variant.arch not declared in ${m.fmri}`);
  },
};
