import { createRequire } from 'node:module';
import spdxCorrect from 'spdx-correct';
import parse from 'spdx-expression-parse';

const require = createRequire(import.meta.url);
/** The SPDX license list, from the maintained spdx-license-ids package (not a hand-copied list). */
const LICENSE_IDS = new Set<string>([
  ...(require('spdx-license-ids') as string[]),
  ...(require('spdx-license-ids/deprecated.json') as string[]),
]);
const EXCEPTION_IDS = new Set<string>(require('spdx-exceptions') as string[]);

type Node = { license?: string; exception?: string; left?: Node; right?: Node };

function* leaves(node: Node): Generator<{ license: string; exception?: string }> {
  if (node.license) yield { license: node.license, exception: node.exception };
  if (node.left) yield* leaves(node.left);
  if (node.right) yield* leaves(node.right);
}

/**
 * Problems with a license string: not an SPDX expression, or naming
 * identifiers that are not on the SPDX list (nor the project's extras). Each
 * comes with a suggestion when spdx-correct has one.
 */
export function checkLicense(
  value: string,
  extra: { licenses?: readonly string[]; exceptions?: readonly string[] } = {},
): string[] {
  const problems: string[] = [];
  const suggest = (id: string) => {
    const fixed = spdxCorrect(id);
    return fixed && fixed !== id ? ` (did you mean "${fixed}"?)` : '';
  };
  let tree: Node;
  try {
    tree = parse(value) as Node;
  } catch {
    const what = /^[A-Za-z0-9.+-]+$/.test(value) ? 'license identifier' : 'license expression';
    return [`"${value}" is not an SPDX ${what}${suggest(value)}`];
  }
  for (const { license, exception } of leaves(tree)) {
    const id = license.replace(/\+$/, '');
    if (!LICENSE_IDS.has(id) && !extra.licenses?.includes(id) && !id.startsWith('LicenseRef-')) {
      problems.push(`"${license}" is not an SPDX license identifier${suggest(license)}`);
    }
    if (exception && !EXCEPTION_IDS.has(exception) && !extra.exceptions?.includes(exception)) {
      problems.push(`"${exception}" is not an SPDX license exception`);
    }
  }
  return problems;
}

/** One SPDX expression for a package's list of licenses (combined with AND). */
export function licenseExpression(licenses: readonly string[]): string | undefined {
  if (licenses.length === 0) return undefined;
  if (licenses.length === 1) return licenses[0];
  return licenses.map((l) => (/\s/.test(l) ? `(${l})` : l)).join(' AND ');
}
