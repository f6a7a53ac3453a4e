/**
 * pkgmogrify: macros, `<include>`, `<transform [types] [attr=regex] -> op>`
 * applied to every action, output byte-identical to pkg(5)'s pkgmogrify.
 *
 * Ops: add, default, delete, drop, edit, emit, exit, abort, print, set.
 * Values may use `%(attr)` / `%{pkg-attr}` with `;notfound=;prefix=;suffix=;sep=;quote;noquote`,
 * the synthetic `action.name`, `action.key`, `action.hash`,
 * `pkg.manifest.lineno`, `pkg.manifest.filename`, and `%<n>` back-references
 * to the match groups. Undefined macros are left as written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { RelengError } from '../util/errors.ts';
import {
  type Action,
  ActionParseError,
  type AttrValue,
  actionToString,
  KEY_ATTRS,
  parseAction,
  quoteValue,
} from './action.ts';
import { pyLines } from './format.ts';
import { actionError } from './manifest.ts';
import { type PyRegex, PyRegexError, pyCompile, pyMatch, pySub } from './pyre.ts';
import { ShlexStream, shlexSplit } from './shlex.ts';

/** What pkgmogrify is given on its command line. */
export interface MogrifyOptions {
  /** `-D name=value`, in order. */
  macros?: ReadonlyArray<readonly [string, string]>;
  /** `-I dir`: where `<include>` and bare input names are looked for. */
  includes?: readonly string[];
  /** `-i`: keep `<include>` lines instead of reading them. */
  ignoreIncludes?: boolean;
  /** `-v`: comment each action with the transforms applied to it. */
  verbose?: boolean;
  /** Where a relative input is looked for first (default process.cwd()). */
  cwd?: string;
}

/** One input: a name (as given) and its text, or a path to read. */
export type MogrifyInput = { name: string; text: string } | string;

/** A `$(NAME)` no -D defined, left in the output as written (as pkgmogrify does). */
export interface UndefinedMacro {
  macro: string;
  file: string;
  line: number;
}

/** The result: the manifest text, the `print` lines, and an `exit` op's code when one ran. */
export interface MogrifyResult {
  output: string;
  printed: string[];
  /** Macros left undefined on action and transform lines, in input order. */
  undefinedMacros: UndefinedMacro[];
  /** Set when an `exit`/`abort` op ended the run (no output then, like pkgmogrify). */
  exit?: { code: number; message?: string };
}

/** A mogrify error: pkgmogrify's message, with file and line. */
function mogError(
  message: string,
  file: string | undefined,
  line: number | undefined,
  hint?: string,
): RelengError {
  const where =
    file !== undefined && line !== undefined
      ? `${file}:${line}: `
      : file !== undefined
        ? `${file}: `
        : '';
  return new RelengError(`${where}${message}`, {
    ...(file !== undefined ? { file } : {}),
    ...(line !== undefined ? { line } : {}),
    ...(hint ? { hint } : {}),
  });
}

/** Thrown by an op or substitution; turned into an error naming the transform and the action. */
class OpError extends Error {}

class ExitSignal {
  code: number;
  message: string | undefined;
  constructor(code: number, message?: string) {
    this.code = code;
    this.message = message;
  }
}

/** The pseudo action transforms see at the end of each input (`<transform pkg …>`). */
interface Target {
  name: string;
  hash?: string | undefined;
  attrs: Map<string, AttrValue>;
}

type OpResult = Target | undefined | [Action | string, Target | undefined];
type Op = (
  a: Target,
  m: RegExpExecArray[],
  pkg: Map<string, AttrValue>,
  file: string,
  line: number | undefined,
) => OpResult;

interface Transform {
  types: string[];
  attrs: [string, PyRegex][];
  op: Op;
  file: string;
  line: number;
  text: string;
}

function quoteIf(q: boolean, s: string): string {
  return q ? quoteValue(s) : s;
}

/** Expands `%(…)`, `%{…}` and then `%<n>` in `msg`. */
function substitute(
  msg: string,
  action: Target | undefined,
  matches: RegExpExecArray[],
  pkgAttrs: Map<string, AttrValue> | undefined,
  file: string | undefined,
  line: number | undefined,
  quote = false,
): string {
  let out = '';
  let prev = 0;
  for (const m of msg.matchAll(/%\((.+?)\)|%\{(.+?)\}/g)) {
    const group = m[1] !== undefined ? 1 : 2;
    const body = (m[group] as string) ?? '';
    const d = new Map<string, string | true>();
    let attrname = body;
    if (body.includes(';')) {
      const semi = body.indexOf(';');
      attrname = body.slice(0, semi);
      const ts = new ShlexStream(body.slice(semi + 1));
      try {
        for (let tok = ts.next(); tok !== ''; tok = ts.next()) {
          if (tok === ';') tok = ts.next();
          const eq = ts.next();
          let val: string | true;
          if (eq === '' || eq === ';') val = true;
          else {
            if (eq !== '=') throw new OpError(`bad substitution option in '${m[0]}'`);
            let v = ts.next();
            if (
              v.length >= 2 &&
              ((v[0] === '"' && v.endsWith('"')) || (v[0] === "'" && v.endsWith("'")))
            ) {
              v = v.slice(1, -1);
            }
            val = v;
          }
          d.set(tok, val);
        }
      } catch (e) {
        if (e instanceof OpError) throw e;
        throw new OpError(`${(e as Error).message} in '${m[0]}'`);
      }
    }
    let q = d.has('quote') ? Boolean(d.get('quote')) : quote;
    if (d.get('noquote')) q = false;
    const notfound = d.get('notfound');
    let value: AttrValue | true | undefined;
    if (group === 2) {
      if (!pkgAttrs) throw new OpError('deferred');
      value = pkgAttrs.get(attrname) ?? notfound;
      if (Array.isArray(value) && value.length === 1) value = value[0];
    } else if (attrname === 'pkg.manifest.lineno') value = String(line ?? 'None');
    else if (attrname === 'pkg.manifest.filename') value = String(file ?? 'None');
    else {
      if (!action) throw new OpError('deferred');
      if (attrname === 'action.hash') value = action.hash ?? notfound;
      else if (attrname === 'action.key') {
        const k = KEY_ATTRS[action.name];
        value = (k !== undefined ? action.attrs.get(k) : undefined) ?? notfound;
      } else if (attrname === 'action.name') value = action.name;
      else value = action.attrs.get(attrname) ?? notfound;
    }
    if (value === undefined) throw new OpError(`attribute '${attrname}' not found`);
    if (value === true) value = 'True';
    const prefix = typeof d.get('prefix') === 'string' ? (d.get('prefix') as string) : '';
    const suffix = typeof d.get('suffix') === 'string' ? (d.get('suffix') as string) : '';
    out += msg.slice(prev, m.index);
    if (typeof value === 'string') out += prefix + quoteIf(q, value) + suffix;
    else {
      const sep = typeof d.get('sep') === 'string' ? (d.get('sep') as string) : ' ';
      out += value.map((v) => prefix + quoteIf(q, v) + suffix).join(sep);
    }
    prev = m.index + m[0].length;
  }
  out += msg.slice(prev);
  if (!out.includes('%<')) return out;
  const backrefs: (string | undefined)[] = [undefined];
  for (const m of matches) for (let i = 1; i < m.length; i++) backrefs.push(m[i]);
  let res = '';
  prev = 0;
  for (const m of out.matchAll(/%<(\d)>/g)) {
    const ref = Number(m[1]);
    if (ref === 0 || ref > backrefs.length - 1) {
      throw new OpError(`no match group ${ref} (max ${backrefs.length - 1})`);
    }
    const b = backrefs[ref];
    if (b === undefined)
      throw new OpError(`Error\nInvalid backreference: %<${ref}> refers to an unmatched string`);
    res += out.slice(prev, m.index) + b;
    prev = m.index + m[0].length;
  }
  return res + out.slice(prev);
}

const asList = (attrs: Map<string, AttrValue>, key: string): string[] => {
  const v = attrs.get(key);
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
};

function twoArgs(rest: string | undefined, what: string, text: string): [string, string] {
  let args: string[];
  try {
    args = rest === undefined ? [] : shlexSplit(rest);
  } catch {
    args = [];
  }
  if (args.length !== 2)
    throw new OpError(`transform (${text}) has '${what}' operation syntax error`);
  return args as [string, string];
}

function compileOrThrow(p: string, text: string, where: string): PyRegex {
  try {
    return pyCompile(p);
  } catch (e) {
    throw new OpError(`transform (${text}) has ${where} (${(e as Error).message})`);
  }
}

/** Parses `<transform …>` (without the brackets) into a transform. */
function makeTransform(line: string, file: string, lineno: number, printed: string[]): Transform {
  const s = line.slice(10);
  const text = `<${line}>`;
  const index = s.indexOf('->');
  if (index === -1) throw new OpError('Missing -> in transform');
  const matching = s.slice(0, index).trim().split(/\s+/).filter(Boolean);
  const types = matching.filter((a) => !a.includes('='));
  let attrdict: Map<string, AttrValue>;
  try {
    attrdict = parseAction(`unknown ${matching.filter((a) => a.includes('=')).join(' ')}`).attrs;
  } catch (e) {
    throw new OpError(`transform ${text} has a bad matching clause: ${(e as Error).message}`);
  }
  const attrs: [string, PyRegex][] = [];
  for (const [k, v] of attrdict) {
    const p = Array.isArray(v) ? v.join('') : v;
    try {
      attrs.push([k, pyCompile(p)]);
    } catch (e) {
      throw new OpError(
        `transform (${text}) has regexp error (${(e as Error).message}) in matching clause`,
      );
    }
  }
  const opText = s.slice(index + 2).trim();
  const sp = /\s/.exec(opText);
  const opName = sp ? opText.slice(0, sp.index) : opText;
  const rest = sp ? opText.slice(sp.index).trim() || undefined : undefined;
  let op: Op;
  switch (opName) {
    case 'drop':
      if (rest !== undefined)
        throw new OpError(`transform (${text}) has 'drop' operation syntax error`);
      op = () => undefined;
      break;
    case 'set': {
      const [attr, value] = twoArgs(rest, 'set', text);
      op = (a, m, p, f, l) => {
        const na = substitute(attr, a, m, p, f, l);
        const nv = substitute(value, a, m, p, f, l);
        if (na === 'action.hash') {
          if (a.hash !== undefined || a.name === 'signature') a.hash = nv;
        } else a.attrs.set(na, nv);
        return a;
      };
      break;
    }
    case 'default': {
      const [attr, value] = twoArgs(rest, 'default', text);
      op = (a, m, p, f, l) => {
        const na = substitute(attr, a, m, p, f, l);
        if (!a.attrs.has(na)) a.attrs.set(na, substitute(value, a, m, p, f, l));
        return a;
      };
      break;
    }
    case 'abort':
      if (rest !== undefined)
        throw new OpError(`transform (${text}) has 'abort' operation syntax error`);
      op = () => {
        throw new ExitSignal(0);
      };
      break;
    case 'exit': {
      let code = 0;
      let msg: string | undefined;
      if (rest !== undefined) {
        const sp2 = /\s/.exec(rest);
        const first = sp2 ? rest.slice(0, sp2.index) : rest;
        if (!/^[+-]?\d+(_\d+)*$/.test(first)) {
          throw new OpError(
            `transform (${text}) has 'exit' operation syntax error: illegal exit value`,
          );
        }
        code = Number(first.replaceAll('_', ''));
        if (sp2) msg = rest.slice(sp2.index).trim() || undefined;
      }
      op = (a, m, p, f, l) => {
        throw new ExitSignal(code, msg ? substitute(msg, a, m, p, f, l, true) : undefined);
      };
      break;
    }
    case 'add': {
      const [attr, value] = twoArgs(rest, 'add', text);
      op = (a, m, p, f, l) => {
        const na = substitute(attr, a, m, p, f, l);
        const nv = substitute(value, a, m, p, f, l);
        const cur = a.attrs.get(na);
        if (cur === undefined) a.attrs.set(na, nv);
        else if (Array.isArray(cur)) cur.push(nv);
        else a.attrs.set(na, [cur, nv]);
        return a;
      };
      break;
    }
    case 'edit': {
      let args: string[] = [];
      try {
        args = rest === undefined ? [] : shlexSplit(rest);
      } catch {}
      if (args.length !== 2 && args.length !== 3) {
        throw new OpError(`transform (${text}) has 'edit' operation syntax error`);
      }
      const [attr, pattern] = args as [string, string];
      const replace = args[2] ?? '';
      let regexp: PyRegex | undefined;
      try {
        substitute(pattern, undefined, [], undefined, undefined, undefined);
        regexp = compileOrThrow(pattern, text, "'edit' operation with malformed regexp");
      } catch (e) {
        if (!(e instanceof OpError) || e.message.startsWith('transform (')) throw e;
        regexp = undefined; // holds a substitution: compiled per action
      }
      op = (a, m, p, f, l) => {
        const na = substitute(attr, a, m, p, f, l);
        const nrep = substitute(replace, a, m, p, f, l);
        const val = asList(a.attrs, na);
        if (val.length === 0) return a;
        const rx =
          regexp ??
          compileOrThrow(
            substitute(pattern, a, m, p, f, l),
            text,
            "'edit' operation with malformed regexp",
          );
        try {
          a.attrs.set(
            na,
            val.map((v) => pySub(rx, nrep, v)),
          );
        } catch (e) {
          if (!(e instanceof PyRegexError)) throw e;
          throw new OpError(
            `transform (${text}) has edit operation with replacement string regexp error ${e.message}`,
          );
        }
        return a;
      };
      break;
    }
    case 'delete': {
      let args: string[] = [];
      try {
        args = rest === undefined ? [] : shlexSplit(rest);
      } catch {}
      if (args.length !== 2)
        throw new OpError(`transform (${text}) has 'delete' operation syntax error`);
      const [attr, pattern] = args as [string, string];
      const rx = compileOrThrow(pattern, text, "'delete' operationwith malformed regexp");
      op = (a) => {
        const val = asList(a.attrs, attr);
        if (val.length === 0) return a;
        const nv = val.filter((v) => !rx.search.test(v));
        if (nv.length > 0) a.attrs.set(attr, nv);
        else a.attrs.delete(attr);
        return a;
      };
      break;
    }
    case 'print':
    case 'emit': {
      const msg = rest ?? '';
      if (opName === 'print') {
        op = (a, m, p, f, l) => {
          printed.push(substitute(msg, a, m, p, f, l, true));
          return a;
        };
      } else {
        op = (a, m, p, f, l) => {
          const nm = substitute(msg, a, m, p, f, l, true);
          const t = nm.trim();
          if (!t || t.startsWith('#')) return [nm, a];
          try {
            return [parseAction(nm), a];
          } catch (e) {
            if (e instanceof ActionParseError) throw new OpError(e.message);
            throw e;
          }
        };
      }
      break;
    }
    default:
      throw new OpError(`unknown transform operation '${opName}'`);
  }
  return { types, attrs, op, file, line: lineno, text };
}

interface InLine {
  text: string | undefined;
  file: string;
  /** The last line of the action, as pkgmogrify numbers it (pkg.manifest.lineno). */
  line: number | undefined;
  /** Its first line, for error messages. */
  first?: number;
}

/** Substitutes `-D` macros until none is left ($(X) not defined stays). */
function applyMacros(s: string, macros: Map<string, string>): string {
  let guard = 0;
  while (s.includes('$(')) {
    let hit = false;
    for (const [k, v] of macros) {
      if (s.includes(k)) {
        s = s.replaceAll(k, v);
        hit = true;
        break;
      }
    }
    if (!hit) break;
    if (++guard > 10000)
      throw new OpError('macro expansion does not end (a macro value holds its own name)');
  }
  return s;
}

/** Opens a file as pkgmogrify's searching_open does. */
function searchingOpen(
  name: string,
  includes: readonly string[],
  cwd: string,
): { name: string; text: string } {
  // Absolute or found from the current folder: named as given; else the first include folder holding it.
  const candidates: [string, string][] = isAbsolute(name)
    ? [[name, name]]
    : [
        [join(cwd, name), name],
        ...includes.map((i): [string, string] => [join(cwd, i, name), join(i, name)]),
      ];
  for (const [path, shown] of candidates) {
    if (existsSync(path)) {
      try {
        return { name: shown, text: readFileSync(path, 'utf8') };
      } catch (e) {
        throw new OpError(`Cannot open file: ${(e as Error).message}`);
      }
    }
  }
  throw new OpError(`File not found: '${name}'`);
}

/**
 * Runs pkgmogrify over the inputs. Returns the output text; throws a
 * RelengError naming file:line for a bad action, transform or include.
 */
export function mogrify(
  inputs: readonly MogrifyInput[],
  options: MogrifyOptions = {},
): MogrifyResult {
  const macros = new Map<string, string>();
  for (const [k, v] of options.macros ?? []) macros.set(`$(${k})`, v);
  const includes = options.includes ?? [];
  const cwd = options.cwd ?? process.cwd();
  const transforms: Transform[] = [];
  const printed: string[] = [];
  const undefinedMacros: UndefinedMacro[] = [];

  const readFile = (src: { name: string; text: string }, chain: string[]): InLine[] => {
    const ret: InLine[] = [];
    let accumulate = '';
    let lineno = 0;
    let first = 0;
    for (const raw of pyLines(src.text)) {
      lineno++;
      if (!accumulate) first = lineno;
      let line = raw.trim();
      if (!line) {
        ret.push({ text: line, file: src.name, line: lineno });
        continue;
      }
      if (line.endsWith('\\')) {
        accumulate += line.slice(0, -1);
        continue;
      } else if (accumulate) {
        line = accumulate + line;
        accumulate = '';
      }
      try {
        line = applyMacros(line, macros).trim();
        if (!line) continue;
        if (!line.startsWith('#') && line.includes('$(')) {
          for (const m of line.matchAll(/\$\([A-Za-z0-9_.-]+\)/g)) {
            undefinedMacros.push({ macro: m[0], file: src.name, line: first });
          }
        }
        if (line.startsWith('<') && line.endsWith('>')) {
          if (line.startsWith('<include')) {
            if (!options.ignoreIncludes) {
              const target = line
                .slice(1, -1)
                .slice(7)
                .trim()
                .replace(/^"+|"+$/g, '');
              if (chain.length > 50)
                throw new OpError(`<include> nested too deep (a file includes itself?)`);
              ret.push(...readFile(searchingOpen(target, includes, cwd), [...chain, src.name]));
            } else ret.push({ text: line, file: src.name, line: lineno, first });
          } else if (line.startsWith('<transform')) {
            transforms.push(makeTransform(line.slice(1, -1), src.name, lineno, printed));
          } else throw new OpError(`unknown command ${line}`);
        } else ret.push({ text: line, file: src.name, line: lineno, first });
      } catch (e) {
        if (e instanceof OpError) {
          throw mogError(
            e.message,
            src.name,
            first,
            'see pkgmogrify(1) for <transform [action…] [attr=regex…] -> op args>',
          );
        }
        throw e;
      }
    }
    return ret;
  };

  const lines: InLine[] = [];
  const opened = inputs.map((inp) => {
    if (typeof inp !== 'string') return inp;
    try {
      return searchingOpen(inp, includes, cwd);
    } catch (e) {
      throw mogError(`Error processing input arguments: ${(e as Error).message}`, inp, undefined);
    }
  });
  for (const f of opened) {
    lines.push(...readFile(f, []));
    lines.push({ text: undefined, file: f.name, line: undefined });
  }

  const apply = (
    action: Target | undefined,
    pkgAttrs: Map<string, AttrValue>,
    file: string,
    line: number | undefined,
  ): [unknown[], (Target | string | undefined)[]] => {
    const comments: unknown[] = [];
    const newactions: (Action | string)[] = [];
    const verbose = options.verbose ?? false;
    if (verbose) comments.push(`#  Action: ${action ? actionToString(action) : 'None'}`);
    let cur: Target | undefined = action;
    for (const t of transforms) {
      if (cur === undefined) cur = { name: 'pkg', attrs: pkgAttrs };
      if (t.types.length > 0 && !t.types.includes(cur.name)) continue;
      const target: Target = cur;
      if (t.attrs.some(([k]) => !target.attrs.has(k))) continue;
      const matches: RegExpExecArray[] = [];
      let all = true;
      for (const [k, rx] of t.attrs) {
        for (const v of asList(target.attrs, k)) {
          const m = pyMatch(rx, v);
          if (!m) all = false;
          else matches.push(m);
        }
      }
      if (!all) continue;
      // Back-references count the groups in the order the patterns are written.
      const s = t.text.slice(11, t.text.indexOf('->'));
      const order = new Map<string, number>();
      for (const [k, rx] of t.attrs) {
        order.set(rx.pattern, -1);
        for (const form of [`${k}=${rx.pattern}`, `${k}="${rx.pattern}"`, `${k}='${rx.pattern}'`]) {
          const pos = s.indexOf(form);
          if (pos !== -1) {
            order.set(rx.pattern, pos);
            break;
          }
        }
      }
      const patOf = new Map<RegExpExecArray, string>();
      {
        let i = 0;
        for (const [k, rx] of t.attrs)
          for (const _ of asList(target.attrs, k))
            patOf.set(matches[i++] as RegExpExecArray, rx.pattern);
      }
      matches.sort(
        (x, y) =>
          (order.get(patOf.get(x) as string) as number) -
          (order.get(patOf.get(y) as string) as number),
      );
      const before = verbose ? actionToString(target) : '';
      let res: OpResult;
      try {
        res = t.op(target, matches, pkgAttrs, file, line);
      } catch (e) {
        if (e instanceof OpError) {
          throw new OpError(
            `Transform specified in file ${t.file}, line ${t.line} reports ${e.message}`,
          );
        }
        throw e;
      }
      if (Array.isArray(res)) {
        newactions.push(res[0]);
        res = res[1];
      }
      cur = res;
      if (verbose && (!cur || actionToString(cur) !== before)) {
        comments.push(`# Applied: ${t.text} (file ${t.file} line ${t.line})`);
        comments.push(`#  Result: ${cur ? actionToString(cur) : 'None'}`);
      }
      if (!cur) break;
    }
    const more: (Target | string | undefined)[] = [];
    for (const a of newactions) {
      if (typeof a !== 'string') {
        const [c, al] = apply(a, pkgAttrs, file, line);
        if (c.length > 0) comments.push(c);
        for (const x of al) if (x !== undefined) more.push(x);
      } else more.push(a);
    }
    const outComments = comments.length === 1 ? [] : comments;
    if (cur && cur.name !== 'pkg') return [outComments, [cur, ...more]];
    return [outComments, [undefined, ...more]];
  };

  const output: [unknown[], (Target | string | undefined)[], string | undefined][] = [];
  let pkgAttrs = new Map<string, AttrValue>();
  try {
    for (const l of lines) {
      try {
        if (l.text === undefined) {
          if (pkgAttrs.has('pkg.fmri')) {
            const [c, a] = apply(undefined, pkgAttrs, l.file, l.line);
            output.push([c, a, undefined]);
          }
          pkgAttrs = new Map();
          continue;
        }
        const text = l.text;
        if (!text || text.startsWith('#') || text.startsWith('<')) {
          output.push([[text], [], undefined]);
          continue;
        }
        let macro: string | undefined;
        let body = text;
        if (text.startsWith('$(')) {
          const eom = text.indexOf(')') + 1;
          macro = text.slice(0, eom);
          body = text.slice(eom);
        }
        let act: Action;
        try {
          act = parseAction(body);
        } catch (e) {
          if (e instanceof ActionParseError)
            throw actionError(e, l.file, l.first ?? (l.line as number), body);
          throw e;
        }
        if (act.name === 'set') {
          const name = act.attrs.get('name') as string;
          const value = act.attrs.get('value') as AttrValue;
          const cur = pkgAttrs.get(name);
          const list = Array.isArray(cur) ? cur : cur === undefined ? [] : [cur];
          if (typeof value === 'string') list.push(value);
          else list.push(...value);
          pkgAttrs.set(name, list);
        }
        const [c, a] = apply(act, pkgAttrs, l.file, l.line);
        output.push([c, a, macro]);
      } catch (e) {
        if (e instanceof OpError) {
          throw mogError(
            e.message,
            l.file,
            l.line,
            'see pkgmogrify(1) for the operations and their arguments',
          );
        }
        throw e;
      }
    }
  } catch (e) {
    if (e instanceof ExitSignal) {
      return {
        output: '',
        printed: [],
        undefinedMacros,
        exit: { code: e.code, ...(e.message !== undefined ? { message: e.message } : {}) },
      };
    }
    throw e;
  }

  let out = '';
  const emitted = new Set<string>();
  const show = (c: unknown): string => (typeof c === 'string' ? c : pyListRepr(c as unknown[]));
  for (const [comment, list, macro] of output) {
    for (const c of comment) out += `${show(c)}\n`;
    list.forEach((a, i) => {
      if (a === undefined) return;
      const s = (macro ?? '') + (typeof a === 'string' ? a : actionToString(a));
      if (i === 0) out += `${s}\n`;
      else if (!emitted.has(s)) {
        out += `${s}\n`;
        emitted.add(s);
      }
    });
  }
  return { output: out, printed, undefinedMacros };
}

function pyListRepr(l: unknown[]): string {
  return `[${l.map((x) => (typeof x === 'string' ? `'${x.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'` : pyListRepr(x as unknown[]))).join(', ')}]`;
}
