/**
 * The manifest formatter: output byte-identical to pkg(5)'s `pkgfmt`.
 *
 * Header comments stay on top, transforms and lines that are not actions
 * follow in their order, then the actions sorted (set first with pkg.fmri,
 * pkg.summary, pkg.description leading; file-system actions by path;
 * users/groups/drivers; licenses/legacy; depend last), each with its
 * attributes ordered and wrapped at 80 columns, then trailing comments.
 */
import {
  type Action,
  ActionParseError,
  type AttrValue,
  actionToString,
  attrList,
  cmpStr,
  DEPEND_TYPES,
  KEY_ATTRS,
  parseAction,
  quoteValue,
} from './action.ts';

/** pkgfmt's options. */
export interface FormatOptions {
  /** `v2` (default) or the older `v1` layout. */
  format?: 'v1' | 'v2';
  /** `-u`: one line per action. */
  unwrap?: boolean;
  /** `-s`: drop pkg.debug.* and pkg.depend.* attributes and `set name=pkg.debug…`. */
  strip?: boolean;
}

interface Line {
  action: Action | undefined;
  /** A leading macro (`$(X)`) for actions, or the verbatim text of a non-action line. */
  text: string;
  comments: string[];
}

const DRIVER_ALIAS_PREFIXES = [
  'firewire',
  'pccard',
  'pciexclass',
  'pciclass',
  'pciex',
  'pcie',
  'pci',
  'pnpPNP',
  'usbia',
  'usbif',
  'usbi',
  'usb',
];

/** Splits text into lines as Python's text mode reads them (universal newlines, terminators kept). */
export function pyLines(text: string): string[] {
  const t = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = t.indexOf('\n', start);
    if (nl === -1) break;
    out.push(t.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < t.length) out.push(t.slice(start));
  return out;
}

/** Python's str.strip() for the whitespace a manifest holds. */
const pyStrip = (s: string): string => s.replace(/^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/gu, '');

function* readLines(text: string, opt: Required<FormatOptions>): Generator<Line> {
  let accumulate = '';
  let wrapAccumulate = '';
  let seenAction = false;
  let comments: string[] = [];
  for (const l of pyLines(text)) {
    let line = pyStrip(l);
    let wrapLine = l;
    if (line.endsWith('\\')) {
      accumulate += line.slice(0, -1);
      wrapAccumulate += l.replace(/[ \t]+$/, '').replace(/^\s+/u, '    ');
      continue;
    } else if (accumulate) {
      line = accumulate + line;
      wrapLine = wrapAccumulate + l.replace(/^\s+/u, '    ');
      accumulate = '';
      wrapAccumulate = '';
    }
    if (!line || line[0] === '#') {
      comments.push(line);
      continue;
    }
    if (!seenAction) {
      seenAction = true;
      yield { action: undefined, text: '', comments };
      comments = [];
    }
    let macro = '';
    let actstr = line;
    if (line.startsWith('$(')) {
      const cp = line.indexOf(')');
      macro = line.slice(0, cp + 1);
      actstr = line.slice(cp + 1);
    }
    if (actstr.startsWith('<') && actstr.endsWith('>')) {
      const text = opt.format === 'v2' ? wrapLine.replace(/\s+$/u, '') : macro + actstr;
      yield { action: undefined, text, comments };
      comments = [];
      continue;
    }
    let action: Action | undefined;
    try {
      action = parseAction(actstr);
      if (action.name === 'depend') {
        const t = action.attrs.get('type');
        if (typeof t !== 'string' || !DEPEND_TYPES.includes(t)) action = undefined;
      }
    } catch (e) {
      if (!(e instanceof ActionParseError)) throw e;
      action = undefined;
    }
    // What does not parse is kept as it was, like a macro line.
    yield action
      ? { action, text: macro, comments }
      : { action: undefined, text: macro + actstr, comments };
    comments = [];
  }
  if (comments.length > 0) yield { action: undefined, text: '', comments };
}

const pyCmp = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/** A value as Python's repr() prints it (the fallback sort key of mixed lists). */
function pyRepr(v: unknown): string {
  if (typeof v === 'string') {
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    let s = '';
    for (const c of v) {
      if (c === '\\') s += '\\\\';
      else if (c === q) s += `\\${c}`;
      else if (c === '\n') s += '\\n';
      else if (c === '\r') s += '\\r';
      else if (c === '\t') s += '\\t';
      else if (c < ' ' || c === '\x7f') s += `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
      else s += c;
    }
    return q + s + q;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return String(v);
}

/** A sort key: an attribute value, or a (path, target) / (type, fmri) tuple. */
type SortKey = AttrValue | { tuple: [AttrValue, AttrValue] };

/** str() of a sort key, as Python prints it (the fallback when Python cannot order two keys). */
function pyStr(k: SortKey): string {
  if (typeof k === 'string') return k;
  if (Array.isArray(k)) return pyRepr(k);
  return `(${k.tuple.map(pyRepr).join(', ')})`;
}

const items = (k: SortKey): unknown => (typeof k === 'object' && !Array.isArray(k) ? k.tuple : k);

/** Python's comparison of str / list / tuple; undefined where Python raises TypeError. */
function pyCompare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'string' && typeof b === 'string') return cmpStr(a, b);
  if (typeof a === 'number' && typeof b === 'number') return pyCmp(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (pyEqual(a[i], b[i])) continue;
      return pyCompare(a[i], b[i]);
    }
    return pyCmp(a.length, b.length);
  }
  return undefined;
}

function pyEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => pyEqual(x, b[i]));
  return a === b;
}

function setName(a: Action): string {
  return a.attrs.get('name') as string;
}

/** pkgfmt's cmplines. */
function cmpLines(x: Line, y: Line, v2: boolean): number {
  const a = x.action as Action;
  const b = y.action as Action;
  const typeord = (t: Action): number => {
    if (t.name === 'set') return 1;
    if (v2) {
      if (t.name === 'driver' || t.name === 'group' || t.name === 'user') return 3;
      if (t.name === 'legacy' || t.name === 'license') return 4;
    }
    if (t.name === 'depend') return 5;
    return 2;
  };
  let c = pyCmp(typeord(a), typeord(b));
  if (c) return c;
  if (!v2) {
    c = cmpStr(a.name, b.name);
    if (c) return c;
  }
  if (a.name === 'set' && setName(a) === 'pkg.fmri') return -1;
  if (b.name === 'set' && setName(b) === 'pkg.fmri') return 1;
  const pkgSet = (t: Action) => t.name === 'set' && String(setName(t)).startsWith('pkg.');
  if (pkgSet(a) && !(b.name !== 'set' || pkgSet(b))) return -1;
  if (pkgSet(b) && !(a.name !== 'set' || pkgSet(a))) return 1;
  if (v2) {
    for (const name of ['pkg.summary', 'pkg.description']) {
      if (a.name === 'set' && setName(a) === name && setName(b) !== name) return -1;
      if (b.name === 'set' && setName(b) === name && setName(a) !== name) return 1;
    }
  }
  const keyAttr = KEY_ATTRS[a.name];
  if (keyAttr && keyAttr === KEY_ATTRS[b.name]) {
    let ak: SortKey | undefined;
    let bk: SortKey | undefined;
    if (v2) {
      if (a.attrs.has('path') && b.attrs.has('path')) {
        if (a.attrs.has('target') && b.attrs.has('target')) {
          ak = { tuple: [a.attrs.get('path') as AttrValue, a.attrs.get('target') as AttrValue] };
          bk = { tuple: [b.attrs.get('path') as AttrValue, b.attrs.get('target') as AttrValue] };
        } else {
          ak = a.attrs.get('path');
          bk = b.attrs.get('path');
        }
      } else if (a.name === 'depend' && b.name === 'depend') {
        ak = { tuple: [a.attrs.get('type') as AttrValue, a.attrs.get('fmri') as AttrValue] };
        bk = { tuple: [b.attrs.get('type') as AttrValue, b.attrs.get('fmri') as AttrValue] };
      }
    }
    if (!ak) ak = a.attrs.get(keyAttr) as AttrValue;
    if (!bk) bk = b.attrs.get(keyAttr) as AttrValue;
    const k = pyCompare(items(ak), items(bk));
    if (k === undefined) {
      c = cmpStr(pyStr(ak), pyStr(bk));
      if (c) return c;
    } else if (k) return k;
  }
  return cmpStr(actionToString(a), actionToString(b));
}

/** Length in code points, as Python's len() counts. */
function cpLen(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

function aliasKey(v: string): (string | number)[] {
  const pfx = DRIVER_ALIAS_PREFIXES.find((p) => v.startsWith(p));
  if (pfx === undefined) return [v];
  const entry: (string | number)[] = [pfx];
  for (const part of v.replaceAll(pfx, '').split(',')) {
    for (const comp of part.split('.')) {
      const t = comp.trim();
      entry.push(
        /^[+-]?(0[xX])?[0-9a-fA-F]+(_[0-9a-fA-F]+)*$/.test(t)
          ? Number.parseInt(t.replaceAll('_', ''), 16)
          : comp,
      );
    }
  }
  return entry;
}

const JOIN_TOK = ' \\\n    ';

/** pkgfmt's write_line: one action's formatted text (with its comments) and a newline. */
function writeLine(line: Line, opt: Required<FormatOptions>): string {
  const act = line.action as Action;
  const v2 = opt.format === 'v2';
  let out = line.text + act.name;
  let sattrs = act.attrs;
  let ahash = act.hash;
  if (ahash && ahash !== 'NOHASH') {
    if (!ahash.includes('=') && !ahash.includes(' ') && !ahash.includes('"')) out += ` ${ahash}`;
    else {
      sattrs = new Map(act.attrs);
      sattrs.set('hash', ahash);
      ahash = undefined;
    }
  }
  if (opt.strip) {
    sattrs = new Map(
      [...sattrs].filter(([k]) => !k.startsWith('pkg.depend.') && !k.startsWith('pkg.debug')),
    );
  }
  const keyAttr = KEY_ATTRS[act.name];
  const kvord = (k: string, v: AttrValue): number => {
    if (k.startsWith('variant.')) return 7;
    if (k.startsWith('facet.')) return 6;
    if (Array.isArray(v)) return 5;
    if (v2) {
      if (act.name === 'depend') {
        if (k === 'fmri') return 1;
        if (k === 'type') return 0;
      } else if (act.name === 'driver') {
        const o = ['', 'perms', 'clone_perms', 'privs', 'policy', 'devlink', 'alias'].indexOf(k);
        if (o > 0) return o;
      } else if (act.name !== 'user') {
        if (k === 'mode') return 3;
        if (k === 'group') return 2;
        if (k === 'owner' || k === 'target') return 1;
      }
    }
    if (k !== keyAttr) return 4;
    return 0;
  };
  const sorted = [...sattrs].map(([k, v]) => ({ k, v, o: kvord(k, v) }));
  sorted.sort((x, y) => pyCmp(x.o, y.o) || cmpStr(x.k, y.k));

  const astr = (start: string, unwrap: boolean): [number, number, string] => {
    let aout = start;
    let firstLine = true;
    let firstAttrCount = 0;
    let remAttrCount = 0;
    let total = 0;
    for (const k of sattrs.keys()) total += attrList(act, k).length;
    let rem = total;
    for (const { k, v } of sorted) {
      const list = Array.isArray(v);
      const values = list ? [...v] : [v];
      if (k === 'alias')
        values.sort((p, q) => (v2 ? cmpAlias(aliasKey(p), aliasKey(q)) : cmpStr(p, q)));
      else values.sort(cmpStr);
      for (const lmt of values) {
        const forceNl = list && (k === 'alias' || (v2 && k.startsWith('pkg.debug')));
        const b = `${k}=${quoteValue(lmt)}`;
        if (unwrap || !forceNl) {
          const lastnl = Math.max(aout.lastIndexOf('\n'), 0);
          const maxLen = v2 && rem === 1 ? 80 : 78;
          if (unwrap || cpLen(aout) - cpLen(aout.slice(0, lastnl)) + cpLen(b) < maxLen)
            aout = `${aout} ${b}`;
          else aout = aout + JOIN_TOK + b;
        } else aout = aout + JOIN_TOK + b;
        if (firstLine && aout.includes(JOIN_TOK)) {
          firstLine = false;
          firstAttrCount = total - rem;
          if (ahash && ahash !== 'NOHASH') firstAttrCount += 1;
          remAttrCount = rem;
        }
        rem -= 1;
      }
    }
    return [firstAttrCount, remAttrCount, aout];
  };
  let [firstAttrCount, remAttrCount, output] = astr(out, opt.unwrap);
  if (v2 && !opt.unwrap) {
    const outlines = output.split(JOIN_TOK);
    // Two lines with one attribute on the second and none on the first: one line instead.
    if (firstAttrCount < 2 && remAttrCount === 1 && outlines.length === 2 && firstAttrCount === 0) {
      output = astr(out, true)[2];
    }
  }
  let text = '';
  const comments = line.comments.join('\n');
  if (comments) text += `${comments}\n`;
  if (opt.strip && act.name === 'set' && String(act.attrs.get('name')).startsWith('pkg.debug'))
    return text;
  if (v2 && output.startsWith('dir ')) output = `dir  ${output.slice(4)}`;
  return `${text}${output}\n`;
}

function cmpAlias(a: (string | number)[], b: (string | number)[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return pyCmp(x, y);
    if (typeof x === 'string' && typeof y === 'string') return cmpStr(x, y);
    // Python 3 cannot order a number against a string; fall back to their text.
    return cmpStr(String(x), String(y));
  }
  return pyCmp(a.length, b.length);
}

/** Formats manifest text as `pkgfmt` prints it. */
export function formatManifest(text: string, options: FormatOptions = {}): string {
  const opt: Required<FormatOptions> = {
    format: options.format ?? 'v2',
    unwrap: options.unwrap ?? false,
    strip: options.strip ?? false,
  };
  const lines: Line[] = [];
  let sawAction = false;
  const trailing: string[] = [];
  let out = '';
  for (const tp of readLines(text, opt)) {
    if (tp.action === undefined) {
      if (sawAction && !tp.text) {
        trailing.push(...tp.comments);
        continue;
      }
      for (const l of tp.comments) out += `${l}\n`;
      if (tp.text) out += `${tp.text}\n`;
    } else {
      lines.push(tp);
      sawAction = true;
    }
  }
  const v2 = opt.format === 'v2';
  lines.sort((a, b) => cmpLines(a, b, v2));
  for (const l of lines) out += writeLine(l, opt);
  out += trailing.join('\n');
  if (trailing.length > 0) out += '\n';
  return out;
}

/** True when `text` is already in pkgfmt form (`pkgfmt -c`; either layout when none is asked for). */
export function isFormatted(text: string, format?: 'v1' | 'v2'): boolean {
  const norm = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  if (format) return formatManifest(text, { format }) === norm;
  return formatManifest(text) === norm || formatManifest(text, { format: 'v1' }) === norm;
}
