/**
 * The search index of a pkg(5) file repository (`publisher/<pub>/index/`),
 * as `pkgrepo refresh` builds it (pkg(5)'s `indexer.py`, `search_storage.py`,
 * index version 2), so `pkg search -s file:///REPO TERM` answers:
 *
 * - `main_dict.ascii.v2`: one line per token, sorted; each lists the action
 *   types, keys and full values the token was found in, with the package
 *   number (`manf_list.v1`) and the byte offsets of the actions in its
 *   manifest: `TOKEN ACTION!KEY@VALUE#PKG,OFFSET… ACTION2!…` (URL-quoted);
 * - `token_byte_offset.v1`: each token's offset in the main dictionary;
 * - `__at_<action>`, `__st_<key>`: the offsets of the lines naming them;
 * - `fmri_offsets.v1`: each package's lines (delta-encoded, shared sets once);
 * - `manf_list.v1`, `full_fmri_list`, `fast_add.v1`, `fast_remove.v1`.
 *
 * The tokens of each action are those pkg(5)'s actions index
 * (`generate_indices`): paths and base names, hashes, dependencies and their
 * stems, the words of `set` values, the parts of the FMRI and of
 * `info.classification`, user, group, driver and legacy names, signatures.
 * Packages are numbered in FMRI order (pkgrepo takes them in set order, so
 * its numbering varies by run; the searches answer the same).
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/fs.ts';
import { type Action, attr, attrList, cmpStr, DEPEND_TYPES, parseAction } from '../action.ts';
import { parseFmri } from '../fmri.ts';

/** One index entry of an action: type, key, token, value shown (null: pkg(5)'s None). */
type Token = string | Token[];
type Index = [string, string, Token, string | null];

/** Python's urllib.parse.quote(s) (`/` kept). */
function quote(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~/-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const words = (v: string): string[] => v.split(/\s+/).filter((w) => w !== '');
const DEPEND_TYPE_SET = new Set(DEPEND_TYPES);

/** What a missing attribute does to pkg(5)'s indexer: the action is left out. */
class Missing extends Error {}
function need(a: Action, k: string): string {
  const v = a.attrs.get(k);
  if (v === undefined) throw new Missing(k);
  return Array.isArray(v) ? (v[0] as string) : v;
}

/** The parts of a published FMRI pkg(5) indexes: stem with publisher, versions, name tails. */
function fmriIndices(value: string): string[] {
  let f: ReturnType<typeof parseFmri>;
  try {
    f = parseFmri(value);
  } catch {
    throw new Missing('pkg.fmri');
  }
  if (!f.version) throw new Missing('pkg.fmri');
  const stem = f.publisher ? `${f.publisher}/${f.name}` : f.name;
  const names = f.name.split('/');
  const hier = [names[names.length - 1] as string];
  for (const n of names.slice(0, -1).reverse()) hier.push(`${n}/${hier[hier.length - 1]}`);
  const v = f.version;
  // As str() of pkg(5)'s version parts (a missing timestamp is Python's None).
  return [stem, v.build.join('.'), v.release.join('.'), v.timestamp ?? 'None', ...hier];
}

/** pkg(5)'s generate_indices for one action. */
function indices(a: Action): Index[] {
  const path = (): string => need(a, 'path');
  switch (a.name) {
    case 'set': {
      const name = need(a, 'name');
      const value = a.attrs.get('value');
      if (value === undefined) throw new Missing('value');
      if (name === 'info.classification') {
        return attrList(a, 'value').map((v) => {
          const cats = v.includes(':') ? v.slice(v.indexOf(':') + 1) : v;
          return ['set', name, [cats, ...cats.split('/').map(words)], cats];
        });
      }
      if (Array.isArray(value)) {
        const out: Index[] = [];
        for (const v of value) {
          if (v.includes(' ')) for (const w of words(v)) out.push(['set', name, w, v]);
          else out.push(['set', name, v, null]);
        }
        return out;
      }
      if (name === 'fmri' || name === 'pkg.fmri') {
        const parts = fmriIndices(value);
        return parts.map((w) => ['set', name, w, parts[0] as string]);
      }
      if (value.includes(' ')) return words(value).map((w) => ['set', name, w, value]);
      return [['set', name, value, null]];
    }
    case 'depend': {
      const type = need(a, 'type');
      if (!DEPEND_TYPE_SET.has(type)) return [];
      const out: Index[] = [];
      for (const f of attrList(a, 'fmri')) {
        const p = f.replace(/pkg:\/\/\/|pkg:\/\/[^/]*\/|pkg:\//g, '');
        out.push(['depend', type, p, null]);
        if (p.includes('@')) out.push(['depend', type, p.split('@')[0] as string, null]);
      }
      return out;
    }
    case 'dir':
      return [
        ['dir', 'basename', basename(path().replace(/\/+$/, '')), null],
        ['dir', 'path', `/${path()}`, null],
      ];
    case 'file': {
      const out: Index[] = [
        ['file', 'content', a.hash ?? 'None', a.hash ?? 'None'],
        ['file', 'hash', a.hash ?? 'None', null],
        ['file', 'basename', basename(path()), null],
        ['file', 'path', `/${path()}`, null],
      ];
      const ch = a.attrs.get('pkg.content-hash');
      if (ch !== undefined) out.push(['file', 'pkg.content-hash', ch, null]);
      return out;
    }
    case 'link':
    case 'hardlink': {
      const out: Index[] = [
        [a.name, 'basename', basename(path()), null],
        [a.name, 'path', `/${path()}`, null],
      ];
      for (const [k, v] of a.attrs) if (k.startsWith('mediator')) out.push([a.name, k, v, null]);
      return out;
    }
    case 'license': {
      const out: Index[] = [['license', 'license', need(a, 'license'), null]];
      if (a.hash) out.push(['license', 'hash', a.hash, null], ['license', 'content', a.hash, null]);
      // pkg(5) reads the content hash unconditionally: a license without one is not indexed.
      const ch = a.attrs.get('pkg.content-hash');
      if (ch === undefined) throw new Missing('pkg.content-hash');
      out.push(['license', 'pkg.content-hash', ch, null]);
      return out;
    }
    case 'signature': {
      const out: Index[] = [];
      if (a.hash) out.push(['signature', 'certificate', a.hash, a.hash]);
      const alg = need(a, 'algorithm');
      const value = attr(a, 'value') ?? '';
      out.push(['signature', 'algorithm', alg, alg], ['signature', 'signature', value, value]);
      const ch = a.attrs.get('pkg.content-hash');
      if (ch !== undefined) out.push(['signature', 'pkg.content-hash', ch, null]);
      return out;
    }
    case 'user':
      return [['user', 'name', need(a, 'username'), null]];
    case 'group':
      return [['group', 'name', need(a, 'groupname'), null]];
    case 'driver': {
      const out: Index[] = [];
      const n = a.attrs.get('name');
      if (n !== undefined) out.push(['driver', 'driver_name', n, null]);
      const al = a.attrs.get('alias');
      if (al !== undefined) out.push(['driver', 'alias', al, null]);
      return out;
    }
    case 'legacy': {
      const p = need(a, 'pkg');
      return [
        ['legacy', 'legacy_pkg', p, null],
        ['legacy', 'pkg', p, null],
      ];
    }
    default:
      return a.hash ? [[a.name, 'content', a.hash, a.hash]] : [];
  }
}

/** One manifest's (token, action, key, value) → offsets, in first-seen order (pkg(5)'s search_dict). */
function searchDict(
  text: string,
): Map<string, { key: [string, string, string, string]; offsets: number[] }> {
  const out = new Map<string, { key: [string, string, string, string]; offsets: number[] }>();
  const add = (tok: string, at: string, st: string, fv: string, pos: number) => {
    const id = JSON.stringify([tok, at, st, fv]);
    const e = out.get(id);
    if (e) e.offsets.push(pos);
    else out.set(id, { key: [tok, at, st, fv], offsets: [pos] });
  };
  // A value of null shows the token (set actions) or the key; a list of tokens is each token.
  const handle = (list: Index[], pos: number) => {
    for (const [at, st, tok, fv0] of list) {
      const fv = fv0 ?? (at === 'set' ? tok : st);
      if (Array.isArray(tok))
        handle(
          tok.map((t) => [at, st, t, fv as string] as Index),
          pos,
        );
      else add(tok, at, st, fv as string, pos);
    }
  };
  let pos = 0;
  for (const line of text.split(/(?<=\n)/)) {
    const l = line.trim();
    if (l && !l.startsWith('#')) {
      let a: Action | undefined;
      try {
        a = parseAction(l);
      } catch {
        a = undefined; // pkg(5) logs an action it cannot read and goes on
      }
      if (a) {
        const p = a.attrs.get('path');
        if (typeof p === 'string') a.attrs.set('path', p.replace(/^\/+/, ''));
        try {
          handle(indices(a), pos);
        } catch (e) {
          if (!(e instanceof Missing)) throw e;
        }
      }
    }
    pos += Buffer.byteLength(line);
  }
  return out;
}

/** A main-dictionary line's data: action → key → value → package → offsets. */
type Entries = [string, [string, [string, [number, number[]][]][]][]][];

/** pkg(5)'s __splice: merges `src` into `dst`, a level at a time, keeping first-seen order. */
function splice(dst: [unknown, unknown[]][], src: [unknown, unknown[]][]): void {
  const extra: [unknown, unknown[]][] = [];
  for (const [val, sub] of src) {
    const hit = dst.find(([v]) => v === val);
    if (hit) splice(hit[1] as [unknown, unknown[]][], sub as [unknown, unknown[]][]);
    else extra.push([val, sub]);
  }
  dst.push(...extra);
}

function lineOf(token: string, entries: Entries): string {
  let s = quote(token);
  for (const [at, sts] of entries) {
    s += ` ${at}`;
    for (const [st, fvs] of sts) {
      s += `!${st}`;
      for (const [fv, ps] of fvs) {
        s += `@${quote(fv)}`;
        for (const [p, offs] of ps) s += `#${p}${offs.map((o) => `,${o}`).join('')}`;
      }
    }
  }
  return `${s}\n`;
}

/** A package of the repository: its FMRI without scheme and publisher, and the manifest's path. */
export interface IndexedPackage {
  /** `name@version` as pkg(5) writes it without publisher (`demo/hello@1.0,5.11-0.1:20231114T221320Z`). */
  fmri: string;
  manifest: string;
}

/** Every package of a publisher folder, in FMRI order (name, then version as published). */
export function publisherPackages(pubDir: string): IndexedPackage[] {
  const pkgDir = join(pubDir, 'pkg');
  const out: IndexedPackage[] = [];
  if (!existsSync(pkgDir)) return out;
  for (const stem of readdirSync(pkgDir)) {
    for (const ver of readdirSync(join(pkgDir, stem))) {
      // pkg(5) names a version without build release with its default, 5.11.
      const v = decodeURIComponent(ver).replace(/^([^,:-]+)(?=[-:]|$)/, '$1,5.11');
      out.push({ fmri: `${decodeURIComponent(stem)}@${v}`, manifest: join(pkgDir, stem, ver) });
    }
  }
  return out.sort((x, y) => cmpStr(x.fmri, y.fmri));
}

/**
 * Rebuilds the search index of one publisher folder from all its manifests,
 * written in `index/TMP` and moved into place (the index is unusable only
 * between those renames, which a rerun completes).
 */
export async function writeSearchIndex(pubDir: string): Promise<void> {
  const pkgs = publisherPackages(pubDir);
  const lines: { tok: string; line: string }[] = [];
  for (let id = 0; id < pkgs.length; id++) {
    const text = await readFile((pkgs[id] as IndexedPackage).manifest, 'utf8');
    for (const { key, offsets } of searchDict(text).values()) {
      const [tok, at, st, fv] = key;
      lines.push({ tok, line: lineOf(tok, [[at, [[st, [[fv, [[id, offsets]]]]]]]]) });
    }
  }
  lines.sort((x, y) => cmpStr(x.tok, y.tok) || cmpStr(x.line, y.line));

  const index = join(pubDir, 'index');
  const tmp = join(index, 'TMP');
  await rm(tmp, { recursive: true, force: true });
  const files = new Map<string, string>();
  const head = 'VERSION: 2\n';
  let main = head;
  let mainBytes = Buffer.byteLength(head);
  let offsetsFile = head;
  const at = new Map<string, string>();
  const st = new Map<string, string>();
  const fmriOffsets = new Map<number, number[]>();
  for (let i = 0; i < lines.length; ) {
    const tok = (lines[i] as { tok: string }).tok;
    let entries: Entries | undefined;
    for (; i < lines.length && (lines[i] as { tok: string }).tok === tok; i++) {
      const parsed = parseLine((lines[i] as { line: string }).line);
      if (!entries) entries = parsed;
      else splice(entries as never, parsed as never);
    }
    if (tok === '' || !entries) continue;
    const here = String(mainBytes);
    offsetsFile += `${tok.includes(' ') ? `1${quote(tok)}` : `0${tok}`} ${here}\n`;
    for (const [a, sts] of entries) {
      at.set(a, `${at.get(a) ?? ''}${here}\n`);
      for (const [s, fvs] of sts) {
        st.set(s, `${st.get(s) ?? ''}${here}\n`);
        for (const [, ps] of fvs)
          for (const [p] of ps) fmriOffsets.set(p, [...(fmriOffsets.get(p) ?? []), mainBytes]);
      }
    }
    const text = lineOf(tok, entries);
    main += text;
    mainBytes += Buffer.byteLength(text);
  }
  files.set('main_dict.ascii.v2', main);
  files.set('token_byte_offset.v1', offsetsFile);
  for (const [a, t] of at) files.set(`__at_${a}`, t);
  for (const [s, t] of st) files.set(`__st_${s}`, t);
  // Delta-encoded offset sets, one line per distinct set, naming the packages sharing it.
  const inv = new Map<string, number[]>();
  for (const [p, offs] of fmriOffsets) {
    let old = 0;
    const deltas: number[] = [];
    for (const o of [...new Set(offs)].sort((x, y) => x - y)) {
      deltas.push(o - old);
      old = o;
    }
    const h = deltas.join(' ');
    inv.set(h, [...(inv.get(h) ?? []), p]);
  }
  let fo = head;
  for (const [h, ps] of inv)
    fo += `${ps.map((p) => (pkgs[p] as IndexedPackage).fmri).join(' ')}!${h}\n`;
  files.set('fmri_offsets.v1', fo);
  files.set('manf_list.v1', head + pkgs.map((p) => `${p.fmri}\n`).join(''));
  files.set('full_fmri_list', head + pkgs.map((p) => `pkg:/${p.fmri}\n`).join(''));
  files.set('fast_add.v1', head);
  files.set('fast_remove.v1', head);
  for (const [name, text] of files) await writeFileAtomic(join(tmp, name), text);
  // Old action and key lists go: they would name offsets of the old dictionary.
  if (existsSync(index))
    for (const f of readdirSync(index))
      if (/^__(at|st)_/.test(f) && !files.has(f)) await rm(join(index, f), { force: true });
  for (const name of files.keys()) await rename(join(tmp, name), join(index, name));
  if (!existsSync(join(index, 'lock'))) await writeFileAtomic(join(index, 'lock'), '');
  await rm(tmp, { recursive: true, force: true });
}

/** Reads back a line written by lineOf (pkg(5)'s parse_main_dict_line). */
function parseLine(line: string): Entries {
  const parts = line.replace(/\n$/, '').split(' ').slice(1);
  return parts.map((ati) => {
    const [a, ...stl] = ati.split('!');
    return [
      a as string,
      stl.map((sti) => {
        const [s, ...fvl] = sti.split('@');
        return [
          s as string,
          fvl.map((fvi) => {
            const [fv, ...pfl] = fvi.split('#');
            return [
              decodeURIComponent(fv as string),
              pfl.map((pfi) => {
                const [p, ...offs] = pfi.split(',');
                return [Number(p), offs.map(Number)] as [number, number[]];
              }),
            ] as [string, [number, number[]][]];
          }),
        ] as [string, [string, [number, number[]][]][]];
      }),
    ];
  });
}
