import { attr, attrList } from '../../action.ts';
import { compareFmri, type Fmri, FmriError, isSuccessor, parseFmri } from '../../fmri.ts';
import type { ManifestAction } from '../../manifest.ts';
import type { LintLevel, LintManifest, LintRule } from '../types.ts';

interface Finding {
  level: LintLevel;
  id: string;
  message: string;
  action: ManifestAction;
}

export interface Known {
  m: LintManifest;
  fmri: Fmri;
}

function tryFmri(s: string): Fmri | undefined {
  try {
    return parseFmri(s);
  } catch (e) {
    if (e instanceof FmriError) return undefined;
    throw e;
  }
}

const isTrue = (m: LintManifest, name: string) => m.attrs.get(name)?.[0]?.toLowerCase() === 'true';

/** A rename chain that loops, or (when asked) ends at an obsolete package. */
export class RenameError extends Error {}

/** The manifests of a run in pkglint's order (by FMRI), each with its parsed FMRI. */
export function knownManifests(all: readonly LintManifest[]): Known[] {
  const known: Known[] = [];
  for (const m of all) {
    const fmri = tryFmri(m.fmri);
    if (fmri) known.push({ m, fmri });
  }
  return known.sort((a, b) => compareFmri(a.fmri, b.fmri));
}

/**
 * pkglint's rename walk: the first manifest of the run that is a successor
 * of `name`; when it is renamed, the walk goes on along its dependencies
 * (incorporations aside) and ends where the last one ends. Undefined when a
 * package is missing; a RenameError for a loop or, with `refuseObsolete`, an
 * obsolete package.
 */
export function followRenames(
  known: readonly Known[],
  name: string,
  refuseObsolete: boolean,
  seen: Known[] = [],
): Known | undefined {
  const want = tryFmri(name.startsWith('pkg:/') ? name : `pkg:/${name}`);
  let k = want && known.find((x) => isSuccessor(x.fmri, want));
  if (!k) return undefined;
  if (refuseObsolete && k.m.attrs.has('pkg.obsolete'))
    throw new RenameError(`obsolete package: ${k.m.fmri}`);
  const here = k;
  if (seen.some((s) => s.fmri.name === here.fmri.name))
    throw new RenameError(
      `loop detected in rename: ${[...seen, here].map((s) => s.m.fmri).join(' -> ')}`,
    );
  if (isTrue(k.m, 'pkg.renamed')) {
    seen.push(k);
    for (const { action } of k.m.actions) {
      if (action.name !== 'depend') continue;
      const f = attr(action, 'fmri') ?? '';
      if (f.includes('incorporation')) continue;
      k = followRenames(known, f.split('@')[0] as string, refuseObsolete, seen);
    }
  }
  return k;
}

/**
 * The whole run at once, as pkglint walks it: manifests in FMRI order, and
 * a dependency found missing once is not reported again.
 */
function findings(all: readonly LintManifest[]): Map<LintManifest, Finding[]> {
  const known = knownManifests(all);
  // Package name → whether its (last) manifest is obsolete; renamed packages are undecided.
  const state = new Map<string, Known & { obsolete: boolean }>();
  for (const k of known) {
    if (isTrue(k.m, 'pkg.obsolete')) state.set(k.fmri.name, { ...k, obsolete: true });
    else if (
      !k.m.attrs.has('pkg.renamed') ||
      k.m.attrs.get('pkg.renamed')?.[0]?.toLowerCase() === 'false'
    )
      state.set(k.fmri.name, { ...k, obsolete: false });
  }
  const missing = new Set<string>();
  const out = new Map<LintManifest, Finding[]>();
  for (const { m } of known) {
    const list: Finding[] = [];
    out.set(m, list);
    if (isTrue(m, 'pkg.renamed')) continue;
    for (const a of m.actions) {
      if (a.action.name !== 'depend' || a.action.attrs.get('type') !== 'require') continue;
      const fmris = attrList(a.action, 'fmri');
      if (fmris.length !== 1) continue;
      let dep = fmris[0] as string;
      if (!dep.startsWith('pkg:/')) dep = `pkg:/${dep}`;
      const declared = tryFmri(dep);
      // An FMRI pkg(5) refuses is pkglint.action006's.
      if (!declared || missing.has(dep)) continue;
      const cached = state.get(declared.name);
      if (cached && !cached.obsolete && (!declared.version || isSuccessor(cached.fmri, declared)))
        continue;
      let found: Known | undefined;
      try {
        found = followRenames(known, dep, true);
      } catch (e) {
        if (!(e instanceof RenameError)) throw e;
        list.push({
          level: 'ERROR',
          id: 'pkglint.action005',
          message: `dependency on obsolete package in ${m.fmri}: ${e.message}`,
          action: a,
        });
        continue;
      }
      if (found) continue;
      missing.add(dep);
      list.push({
        level: 'WARNING',
        id: 'pkglint.action005.1',
        message: `obsolete dependency check skipped: unable to find dependency ${dep} for ${m.fmri}`,
        action: a,
      });
    }
  }
  return out;
}

const runs = new WeakMap<readonly LintManifest[], Map<LintManifest, Finding[]>>();

/**
 * pkglint.action005: a require dependency is not on an obsolete package (renames
 * followed), looked up among the manifests of the run; one that is not there
 * is a warning, once per dependency.
 */
export const obsoleteDependency: LintRule = {
  id: 'pkglint.action005',
  description: 'Packages should not have dependencies on obsolete packages.',
  check(m, all, report) {
    let run = runs.get(all);
    if (!run) {
      run = findings(all);
      runs.set(all, run);
    }
    for (const f of run.get(m) ?? []) report(f.level, f.id, f.message, { action: f.action });
  },
};
