/**
 * Runs the lint rules over the manifests of one run and prints the
 * messages as pkglint does (`LEVEL id` padded to 34 columns, then the text).
 * `pkg.linted[.<id prefix>]=true` on the action or the package turns a
 * message into `INFO pkglint001.5 Linted message: …`, as in pkglint.
 */
import { type Action, attrList } from '../action.ts';
import type { Manifest, ManifestAction } from '../manifest.ts';
import { LINT_RULES } from './rules/index.ts';
import type { LintLevel, LintManifest, LintMessage, LintOptions, LintRule } from './types.ts';

/** The rule view of a parsed manifest. */
export function lintManifest(m: Manifest): LintManifest {
  const attrs = new Map<string, string[]>();
  const variants = new Map<string, string[]>();
  for (const { action } of m.actions) {
    if (action.name !== 'set') continue;
    const name = action.attrs.get('name') as string;
    const values = attrList(action, 'value');
    attrs.set(name, [...(attrs.get(name) ?? []), ...values]);
    if (name.startsWith('variant.')) variants.set(name, [...(variants.get(name) ?? []), ...values]);
  }
  let fmri = attrs.get('pkg.fmri')?.[0] ?? '';
  if (fmri && !fmri.startsWith('pkg:/')) fmri = `pkg:/${fmri}`;
  // As pkg(5) prints an FMRI: a version without a build release gets the default one, 5.11.
  fmri = fmri.replace(/@([^,:-]+)(?=[-:]|$)/, '@$1,5.11');
  return { file: m.file, fmri, actions: m.actions, attrs, variants };
}

function linted(attrs: Iterable<[string, string | string[]]>, id: string): boolean {
  const want = `pkg.linted.${id}`;
  for (const [k, v] of attrs) {
    if (
      k.startsWith('pkg.linted') &&
      want.startsWith(k) &&
      typeof v === 'string' &&
      v.toLowerCase() === 'true'
    )
      return true;
  }
  return false;
}

/** Runs `rules` (default: all) over the manifests; messages in manifest, then rule order. */
export function runLint(
  manifests: readonly Manifest[],
  rules: readonly LintRule[] = LINT_RULES,
  options: LintOptions = {},
): LintMessage[] {
  const all = manifests.map(lintManifest);
  const out: LintMessage[] = [];
  for (const m of all) {
    const pkgAttrs: [string, string][] = [...m.attrs].map(([k, v]) => [k, v[0] ?? '']);
    for (const rule of rules) {
      rule.check(
        m,
        all,
        (level, id, message, where) => {
          const action: Action | undefined = where?.action?.action;
          const line = (where?.action as ManifestAction | undefined)?.line;
          const base = { file: m.file, ...(line !== undefined ? { line } : {}) };
          if ((action && linted(action.attrs, id)) || linted(pkgAttrs, id)) {
            out.push({
              level: 'INFO',
              id: 'pkglint001.5',
              message: `Linted message: ${id}  ${message}`,
              ...base,
            });
          } else out.push({ level, id, message, ...base });
        },
        options,
      );
    }
  }
  return out;
}

const ORDER: LintLevel[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

/** True when a message is at least `level`. */
export function atLeast(m: LintMessage, level: LintLevel): boolean {
  return ORDER.indexOf(m.level) >= ORDER.indexOf(level);
}

/** A message as pkglint prints it. */
export function formatLintMessage(m: LintMessage): string {
  return `${`${m.level} ${m.id}`.padEnd(34)}${m.message}`;
}
