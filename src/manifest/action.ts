/**
 * The pkg(7) action model and its one-line parser.
 *
 * An action is `name [hash] key=value …`. Values are bare words or quoted
 * with `'`/`"`; inside quotes `\\` and `\<quote>` are escapes (any other
 * backslash is kept); two adjacent quoted values are one value; an
 * attribute given twice becomes a list. The checks match pkg(5)'s own
 * parser and action constructors, so what pkgfmt/pkgmogrify accept and
 * refuse, we accept and refuse the same way.
 */

/** An attribute value: one string, or the values of a repeated attribute in order. */
export type AttrValue = string | string[];

/** The action names pkg(7) knows, with the attribute naming each action (its key). */
export const KEY_ATTRS: Readonly<Record<string, string | undefined>> = {
  set: 'name',
  file: 'path',
  dir: 'path',
  link: 'path',
  hardlink: 'path',
  depend: 'fmri',
  license: 'license',
  user: 'username',
  group: 'groupname',
  legacy: 'pkg',
  driver: 'name',
  signature: 'value',
  unknown: undefined,
};

/** Action names that may carry a positional payload hash. */
const HASH_ALLOWED = new Set(['file', 'license', 'signature']);

/** The dependency types pkg(5) knows (pkg.actions.depend.known_types). */
export const DEPEND_TYPES: readonly string[] = [
  'conditional',
  'exclude',
  'group',
  'group-any',
  'incorporate',
  'optional',
  'origin',
  'parent',
  'require',
  'require-any',
];

/** One parsed action. `attrs` keeps insertion order; formatting sorts. */
export interface Action {
  name: string;
  /** The positional hash (`file HASH path=…`), `NOHASH` for a license without one. */
  hash?: string;
  attrs: Map<string, AttrValue>;
}

/** Why a line is not an action; `kind` mirrors pkg(5)'s exception classes. */
export class ActionParseError extends Error {
  readonly kind: 'malformed' | 'unknown' | 'invalid';
  /** Offset in the action text (malformed only). */
  readonly position?: number;
  constructor(kind: 'malformed' | 'unknown' | 'invalid', message: string, position?: number) {
    super(message);
    this.kind = kind;
    if (position !== undefined) this.position = position;
  }
}

const SP = 32;
const TAB = 9;
const NL = 10;
const EQ = 61;
const SQ = 39;
const DQ = 34;
const BS = 92;

/** The values of `name` as a list (empty when absent). */
export function attrList(action: Action, name: string): string[] {
  const v = action.attrs.get(name);
  if (v === undefined) return [];
  return typeof v === 'string' ? [v] : v;
}

/** The single value of `name`, or undefined (the first value of a list). */
export function attr(action: Action, name: string): string | undefined {
  const v = action.attrs.get(name);
  return typeof v === 'string' ? v : v?.[0];
}

function addAttr(attrs: Map<string, AttrValue>, key: string, value: string, concat: boolean): void {
  const cur = attrs.get(key);
  if (cur === undefined) attrs.set(key, value);
  else if (Array.isArray(cur)) {
    if (concat) cur[cur.length - 1] += value;
    else cur.push(value);
  } else attrs.set(key, concat ? cur + value : [cur, value]);
}

/**
 * Parses one action (already joined from continuation lines).
 * Throws {@link ActionParseError} as pkg.actions.fromstr would.
 */
export function parseAction(str: string): Action {
  const m = /[ \t\n]/.exec(str);
  if (!m) throw new ActionParseError('malformed', 'no attributes', str.length);
  const name = str.slice(0, m.index);
  if (!(name in KEY_ATTRS)) throw new ActionParseError('unknown', `unknown action type '${name}'`);
  const hashAllowed = HASH_ALLOWED.has(name);
  const attrs = new Map<string, AttrValue>();
  let hash: string | undefined;
  let hashStr: string | undefined;
  const KEY = 0;
  const UQVAL = 1;
  const QVAL = 2;
  const WS = 3;
  let state = WS;
  let prevstate = WS;
  let ks = 0;
  let vs = 0;
  let key = '';
  let keyIsHash = false;
  let quote = 0;
  let concat = false;
  let escapes = false;
  const n = str.length;
  const malformed = (msg: string, pos: number) => new ActionParseError('malformed', msg, pos);
  const setValue = (value: string, cat: boolean) => {
    if (keyIsHash) {
      if (hashStr !== undefined && value !== hashStr) {
        throw new ActionParseError('invalid', 'hash attribute not identical to positional hash');
      }
      hash = value;
    } else addAttr(attrs, key, value, cat);
  };
  let i = m.index;
  for (; i < n; i++) {
    const c = str.charCodeAt(i);
    if (state === KEY) {
      if (c === SP || c === TAB || c === NL) {
        if (attrs.size > 0 || hash !== undefined) throw malformed('whitespace in key', i);
        hash = str.slice(ks, i);
        if (!hashAllowed)
          throw new ActionParseError('invalid', `${name} actions may not have a payload hash`);
        hashStr = hash;
        prevstate = state;
        state = WS;
      } else if (c === EQ) {
        key = str.slice(ks, i);
        keyIsHash = key === 'hash';
        if (key === 'data') throw new ActionParseError('invalid', "invalid key: 'data'");
        if (!hashAllowed && keyIsHash) {
          throw new ActionParseError('invalid', `${name} actions may not have a payload hash`);
        }
        if (i === ks) throw malformed('impossible: missing key', i);
        if (++i === n) throw malformed('missing value', i);
        const v = str.charCodeAt(i);
        if (v === SQ || v === DQ) {
          prevstate = state;
          state = QVAL;
          quote = v;
          vs = i + 1;
          escapes = false;
        } else if (v === SP || v === TAB || v === NL) {
          throw malformed('missing value', i);
        } else {
          prevstate = state;
          state = UQVAL;
          vs = i;
          // Fast path: the rest of a bare value up to whitespace.
          while (i + 1 < n) {
            const d = str.charCodeAt(i + 1);
            if (d === SP || d === TAB || d === NL) break;
            i++;
          }
        }
      } else if (c === SQ || c === DQ) {
        throw malformed('quote in key', i);
      }
    } else if (state === QVAL) {
      if (c === BS) {
        if (i === n - 1) break;
        i++;
        const e = str.charCodeAt(i);
        if (e === BS || e === quote) escapes = true;
      } else if (c === quote) {
        prevstate = state;
        state = WS;
        let value = str.slice(vs, i);
        if (escapes) value = unescapeQuoted(value, String.fromCharCode(quote));
        setValue(value, concat);
        concat = false;
      }
    } else if (state === UQVAL) {
      if (c === SP || c === TAB || c === NL) {
        prevstate = state;
        state = WS;
        setValue(str.slice(vs, i), false);
      }
    } else if (c !== SP && c !== TAB && c !== NL) {
      state = KEY;
      ks = i;
      if (c === EQ) throw malformed('missing key', i);
      if (prevstate === QVAL && (c === SQ || c === DQ)) {
        // Two adjacent quoted values are one value.
        state = QVAL;
        quote = c;
        vs = i + 1;
        concat = true;
        escapes = false;
      }
      prevstate = WS;
    }
  }
  if (state === UQVAL) setValue(str.slice(vs, i), false);
  else if (state === QVAL) throw malformed('unfinished quoted value', i);
  else if (state === KEY) throw malformed('missing value', i);
  const action: Action = { name, attrs };
  checkAction(action);
  // The constructors run first (file and license default to NOHASH), then the positional hash is set.
  if (hash !== undefined) action.hash = hash;
  else if (name === 'license' || name === 'file') action.hash = 'NOHASH';
  return action;
}

/** Removes the backslash of `\\` and `\<quote>` pairs, keeping any other backslash. */
function unescapeQuoted(s: string, quote: string): string {
  let out = '';
  for (let j = 0; j < s.length; j++) {
    const c = s[j] as string;
    if (c === '\\' && j + 1 < s.length && (s[j + 1] === '\\' || s[j + 1] === quote)) {
      out += s[j + 1];
      j++;
    } else out += c;
  }
  return out;
}

/** The constructor checks of pkg(5)'s action classes (key attribute, path, set/depend forms). */
function checkAction(action: Action): void {
  const { name, attrs } = action;
  const keyAttr = KEY_ATTRS[name];
  if (keyAttr !== undefined) {
    const kv = attrs.get(keyAttr);
    if (kv === undefined) {
      if (name !== 'set' && name !== 'signature') {
        throw new ActionParseError('invalid', `missing key attribute '${keyAttr}'`);
      }
    } else if (Array.isArray(kv)) {
      const t = attrs.get('type');
      if (name !== 'depend' || t === undefined || Array.isArray(t)) {
        throw new ActionParseError(
          'invalid',
          `'${Array.isArray(t) ? 'type' : keyAttr}' may have only one value`,
        );
      }
    }
    const path = attrs.get('path');
    if (path !== undefined) {
      if (Array.isArray(path))
        throw new ActionParseError('invalid', "'path' may have only one value");
      const stripped = path.replace(/^\/+/, '');
      if (stripped !== path) attrs.set('path', stripped);
      if (stripped === '') throw new ActionParseError('invalid', 'empty path');
    }
  }
  if (name === 'set' && (!attrs.has('name') || !attrs.has('value'))) {
    // `set foo=bar` is short for `set name=foo value=bar`.
    if (attrs.size === 1) {
      const [[k, v]] = [...attrs] as [[string, AttrValue]];
      attrs.clear();
      attrs.set('name', k);
      attrs.set('value', v);
    } else throw new ActionParseError('invalid', 'missing "name" or "value" attribute');
  }
  if (name === 'driver') {
    const cps = attrList(action, 'clone_perms');
    if (cps.length > 0) {
      const drv = attrs.get('name') as string;
      const fixed = cps.map((cp) =>
        cp.split(/\s+/).filter(Boolean).length === 3 ? `${drv} ${cp}` : cp,
      );
      attrs.set('clone_perms', fixed.length === 1 ? (fixed[0] as string) : fixed);
    }
  }
  if (name === 'signature') {
    if (!attrs.has('algorithm'))
      throw new ActionParseError('invalid', 'missing algorithm attribute');
    if (!attrs.has('value')) attrs.set('value', '');
    if (!attrs.has('version')) attrs.set('version', '0');
  }
}

/** pkg(5)'s quote_attr_value: quotes a value that needs it for the action text form. */
export function quoteValue(s: string): string {
  if (s.includes(' ') || s.includes("'") || s.includes('"') || s === '') {
    if (!s.includes('"')) return `"${s}"`;
    if (!s.includes("'")) return `'${s}'`;
    return `"${s.replaceAll('"', '\\"')}"`;
  }
  return s;
}

/**
 * The action's text form as pkg(5) prints it (`str(action)`): name, the
 * positional hash, then attributes by name; values holding `$(` are quoted
 * too so that a macro left in stays one word.
 */
export function actionToString(action: Action): string {
  const keys = [...action.attrs.keys()];
  let out = action.name;
  const h = action.hash;
  if (h) {
    if (!h.includes('=') && !h.includes(' ') && !h.includes('"')) out += ` ${h}`;
    else keys.push('hash');
  }
  keys.sort(cmpStr);
  for (const k of keys) {
    let v = action.attrs.get(k) ?? (h as string);
    if (k === 'mode' && typeof v === 'string' && v.startsWith('0o')) {
      v = `0${v.slice(2)}`;
      action.attrs.set(k, v);
    }
    if (Array.isArray(v)) {
      // pkg(5) joins a list's words and then the attributes: an empty list leaves a bare space.
      if (v.length === 0) out += ' ';
      for (const lmt of v) out += ` ${k}=${quoteValue(lmt)}`;
    } else if (
      v.includes(' ') ||
      v.includes("'") ||
      v.includes('"') ||
      v === '' ||
      v.includes('$(')
    ) {
      if (!v.includes('"')) out += ` ${k}="${v}"`;
      else if (!v.includes("'")) out += ` ${k}='${v}'`;
      else out += ` ${k}="${v.replaceAll('"', '\\"')}"`;
    } else out += ` ${k}=${v}`;
  }
  return out;
}

/** A copy that shares no list with the original. */
export function cloneAction(a: Action): Action {
  const attrs = new Map<string, AttrValue>();
  for (const [k, v] of a.attrs) attrs.set(k, Array.isArray(v) ? [...v] : v);
  const c: Action = { name: a.name, attrs };
  if (a.hash !== undefined) c.hash = a.hash;
  return c;
}

/** Compares strings by code point, as Python does (JS `<` compares UTF-16 units). */
export function cmpStr(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const sx = x >= 0xd800 && x <= 0xdfff;
      const sy = y >= 0xd800 && y <= 0xdfff;
      if (sx !== sy) return sx ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}
