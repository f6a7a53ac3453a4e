import { createRequire } from 'node:module';
import parse from 'spdx-expression-parse';

const require = createRequire(import.meta.url);
/** The SPDX license list, from the maintained spdx-license-ids package (not a hand-copied list). */
let lists: { licenses: Set<string>; exceptions: Set<string> } | undefined;
/** Loaded when a license is first checked (not by runs that check none). */
function spdxLists(): { licenses: Set<string>; exceptions: Set<string> } {
  lists ??= {
    licenses: new Set<string>([
      ...(require('spdx-license-ids') as string[]),
      ...(require('spdx-license-ids/deprecated.json') as string[]),
    ]),
    exceptions: new Set<string>(require('spdx-exceptions') as string[]),
  };
  return lists;
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
  const { licenses: LICENSE_IDS, exceptions: EXCEPTION_IDS } = spdxLists();
  const suggest = (id: string) => {
    // Loaded only when a suggestion is needed: spdx-correct builds tables at import.
    const spdxCorrect = require('spdx-correct') as (id: string) => string | null;
    const fixed = spdxCorrect(id);
    return fixed && fixed !== id ? ` (did you mean "${fixed}"?)` : '';
  };
  // Identifiers are checked token by token (so project extras count), the
  // expression's syntax by the SPDX parser once every identifier is known.
  const tokens = value.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
  let unknown = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const upper = token.toUpperCase();
    if (upper === 'AND' || upper === 'OR') continue;
    if (upper === 'WITH') {
      const exception = tokens[++i];
      if (exception && !EXCEPTION_IDS.has(exception) && !extra.exceptions?.includes(exception)) {
        problems.push(`"${exception}" is not an SPDX license exception`);
        unknown = true;
      }
      continue;
    }
    const id = token.replace(/\+$/, '');
    if (!LICENSE_IDS.has(id) && !extra.licenses?.includes(id) && !id.startsWith('LicenseRef-')) {
      problems.push(`"${token}" is not an SPDX license identifier${suggest(token)}`);
      unknown = true;
    }
  }
  if (!unknown && !extra.licenses?.length && !extra.exceptions?.length) {
    try {
      parse(value);
    } catch {
      problems.push(`"${value}" is not a valid SPDX license expression`);
    }
  }
  return problems;
}

/** One SPDX expression for a package's list of licenses (combined with AND, or `join`). */
export function licenseExpression(
  licenses: readonly string[],
  join: 'AND' | 'OR' = 'AND',
): string | undefined {
  if (licenses.length === 0) return undefined;
  if (licenses.length === 1) return licenses[0];
  return licenses.map((l) => (/\s/.test(l) ? `(${l})` : l)).join(` ${join} `);
}

/**
 * The SPDX license and exception identifiers, each mapped to whether SPDX
 * has deprecated it (for releng-tool's lint rule RT101).
 */
export function spdxDeprecations(): {
  licenses: Record<string, boolean>;
  exceptions: Record<string, boolean>;
} {
  const mark = (current: string[], deprecated: string[]) => {
    const out: Record<string, boolean> = {};
    for (const id of current) out[id] = false;
    for (const id of deprecated) out[id] = true;
    return out;
  };
  return {
    licenses: mark(
      require('spdx-license-ids') as string[],
      require('spdx-license-ids/deprecated.json') as string[],
    ),
    exceptions: mark(
      require('spdx-exceptions') as string[],
      require('spdx-exceptions/deprecated.json') as string[],
    ),
  };
}
