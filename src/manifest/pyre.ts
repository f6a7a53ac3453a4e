/**
 * Python `re` patterns and replacement templates for JavaScript, as far as
 * transforms use them: named groups, `$` before a final newline, `\A`/`\Z`,
 * leading inline flags, `match` (anchored) vs `search`, and `sub` with
 * `\1`, `\g<name>` and escapes in the replacement.
 */

/** A compiled Python pattern. */
export interface PyRegex {
  pattern: string;
  /** Anchored at the start, like re.match. */
  match: RegExp;
  /** Anywhere, like re.search. */
  search: RegExp;
  /** All matches, for re.sub. */
  global: RegExp;
  groupCount: number;
  names: Map<string, number>;
}

/** A pattern Python would refuse (re.error). */
export class PyRegexError extends Error {}

const cache = new Map<string, PyRegex>();

/** Compiles a Python pattern (cached, as re.compile is). */
export function pyCompile(pattern: string): PyRegex {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([aiLmsux]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1] as string) {
      if (f === 'i' || f === 'm' || f === 's') flags += f;
      else if (f === 'x')
        throw new PyRegexError(`verbose patterns ((?x)) are not supported: ${pattern}`);
    }
    src = src.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  let groups = 0;
  const names = new Map<string, number>();
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === '\\') {
      const d = src[i + 1];
      if (d === undefined) throw new PyRegexError('bad escape (end of pattern)');
      i++;
      if (!inClass && d === 'A') out += '^';
      else if (!inClass && d === 'Z') out += '$';
      else out += `\\${d}`;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A leading ']' (or '^]') is a literal in Python.
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '$') {
      out += m(flags) ? '$' : '(?=\\n?$)';
      continue;
    }
    if (c === '(') {
      if (src.startsWith('(?P<', i)) {
        const end = src.indexOf('>', i);
        const name = src.slice(i + 4, end);
        groups++;
        names.set(name, groups);
        out += `(?<${name}>`;
        i = end;
        continue;
      }
      if (src.startsWith('(?P=', i)) {
        const end = src.indexOf(')', i);
        out += `\\k<${src.slice(i + 4, end)}>`;
        i = end;
        continue;
      }
      if (src[i + 1] !== '?') groups++;
      else if (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!') groups++;
    }
    out += c;
  }
  try {
    const r: PyRegex = {
      pattern,
      match: new RegExp(out, `${flags}y`),
      search: new RegExp(out, flags),
      global: new RegExp(out, `${flags}g`),
      groupCount: groups,
      names,
    };
    cache.set(pattern, r);
    return r;
  } catch (e) {
    throw new PyRegexError((e as Error).message.replace(/^Invalid regular expression: /, ''));
  }
}

const m = (flags: string): boolean => flags.includes('m');

/** re.match: the match at the start of `s`, or null. */
export function pyMatch(r: PyRegex, s: string): RegExpExecArray | null {
  r.match.lastIndex = 0;
  return r.match.exec(s);
}

type TemplatePart = string | number;

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  f: '\f',
  v: '\v',
  a: '\x07',
  b: '\b',
  '\\': '\\',
};

/** Parses a Python replacement template into literals and group numbers. */
function parseTemplate(rep: string, r: PyRegex): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let lit = '';
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i] as string;
    if (c !== '\\') {
      lit += c;
      continue;
    }
    const d = rep[i + 1];
    if (d === undefined) throw new PyRegexError('bad escape (end of pattern)');
    i++;
    let group: number | undefined;
    if (d === 'g') {
      const gm = /^<([^>]*)>/.exec(rep.slice(i + 1));
      if (!gm) throw new PyRegexError('missing group name');
      const name = gm[1] as string;
      group = /^\d+$/.test(name) ? Number(name) : r.names.get(name);
      if (group === undefined) throw new PyRegexError(`unknown group name '${name}'`);
      i += gm[0].length;
    } else if (d === '0') {
      const om = /^[0-7]{0,2}/.exec(rep.slice(i + 1)) as RegExpExecArray;
      lit += String.fromCharCode(Number.parseInt(`0${om[0]}`, 8));
      i += om[0].length;
      continue;
    } else if (/[1-9]/.test(d)) {
      const om = /^[0-7]{2}/.exec(rep.slice(i + 1));
      if (/[0-7]/.test(d) && om) {
        lit += String.fromCharCode(Number.parseInt(d + om[0], 8));
        i += 2;
        continue;
      }
      let num = d;
      if (/\d/.test(rep[i + 1] ?? '')) {
        num += rep[i + 1];
        i++;
      }
      group = Number(num);
    } else if (d in ESCAPES) {
      lit += ESCAPES[d];
      continue;
    } else if (/[A-Za-z]/.test(d)) {
      throw new PyRegexError(`bad escape \\${d}`);
    } else {
      lit += `\\${d}`;
      continue;
    }
    if (group > r.groupCount) throw new PyRegexError(`invalid group reference ${group}`);
    if (lit) parts.push(lit);
    lit = '';
    parts.push(group);
  }
  if (lit) parts.push(lit);
  return parts;
}

/** re.sub(pattern, rep, s): every match replaced by the expanded template. */
export function pySub(r: PyRegex, rep: string, s: string): string {
  const parts = parseTemplate(rep, r);
  return s.replace(r.global, (...args: unknown[]) => {
    let out = '';
    for (const p of parts)
      out += typeof p === 'string' ? p : ((args[p] as string | undefined) ?? '');
    return out;
  });
}
