/**
 * The lint interface: a rule is one module with a pkglint-style id that
 * checks one manifest, seeing every manifest of the run for cross-package
 * checks (duplicate paths). Messages are printed as pkglint prints them.
 */
import type { Action } from '../action.ts';
import type { ManifestAction } from '../manifest.ts';

/** pkglint's levels, lowest first. */
export type LintLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** One manifest as the rules see it. */
export interface LintManifest {
  file: string;
  /** The pkg.fmri value (as written, `pkg:/` added when missing). */
  fmri: string;
  actions: ManifestAction[];
  /** The values of each `set` action by name, in order. */
  attrs: Map<string, string[]>;
  /** Declared variants: `set name=variant.X value=…`. */
  variants: Map<string, string[]>;
}

/** What a rule reports. */
export interface LintMessage {
  level: LintLevel;
  /** e.g. `pkglint.manifest009.2`. */
  id: string;
  message: string;
  file: string;
  line?: number;
}

/** How a rule reports: `action` lets pkg.linted on that action silence the message. */
export type Report = (
  level: LintLevel,
  id: string,
  message: string,
  where?: { action?: ManifestAction },
) => void;

/** What a run may give the rules beyond the manifests. */
export interface LintOptions {
  /** Proto areas holding the files the manifests deliver (pkglint's PROTO_PATH). */
  protoDirs?: readonly string[];
}

/** A lint rule. */
export interface LintRule {
  /** The pkglint check id without the sub-number (`pkglint.manifest009`). */
  id: string;
  /** One line: what is checked. */
  description: string;
  check(
    manifest: LintManifest,
    all: readonly LintManifest[],
    report: Report,
    options: LintOptions,
  ): void;
}

/** The variant.* attributes of an action. */
export function actionVariants(a: Action): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of a.attrs)
    if (k.startsWith('variant.')) out.set(k, typeof v === 'string' ? [v] : v);
  return out;
}

/**
 * Whether two actions can be installed together (their variants overlap),
 * and the variant values that overlap beyond what the manifest declares.
 */
export function variantOverlap(
  a: Action,
  b: Action,
  declared: Map<string, string[]>,
): { overlaps: boolean; constrained: [string, string][] } {
  const va = actionVariants(a);
  const vb = actionVariants(b);
  const constrained: [string, string][] = [];
  for (const name of new Set([...va.keys(), ...vb.keys()])) {
    const x = va.get(name);
    const y = vb.get(name);
    const both = x && y ? x.filter((v) => y.includes(v)) : (x ?? y ?? []);
    if (both.length === 0) return { overlaps: false, constrained: [] };
    const dom = declared.get(name);
    // Values covering everything the package declares constrain nothing.
    if (!dom?.every((d) => both.includes(d))) for (const v of both) constrained.push([name, v]);
  }
  return { overlaps: true, constrained };
}

/**
 * Whether the action carries `pkg.linted=true`, or `pkg.linted.<a prefix of
 * id>=true` (for checks that, as in pkglint, leave marked actions out).
 */
export function isLinted(a: Action, id: string): boolean {
  for (const [k, v] of a.attrs) {
    if (typeof v !== 'string' || v.toLowerCase() !== 'true') continue;
    if (
      k === 'pkg.linted' ||
      (id && k.startsWith('pkg.linted.') && `pkg.linted.${id}`.startsWith(k))
    )
      return true;
  }
  return false;
}
