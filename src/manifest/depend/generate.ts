/**
 * `pkgdepend generate`: the dependencies the files of a manifest have, found
 * in the proto area with the analysis shared with the .deb/.rpm writers
 * (src/analyze): ELF NEEDED along RUNPATH (else RPATH) plus the default
 * /lib and /usr/lib (`/64` for 64-bit objects), `$ORIGIN`; `#!` interpreters
 * of executable files; the imports of Python files (./python.ts); the
 * services SMF manifests require (./smf.ts); hardlink targets. Each becomes
 * `depend fmri=__TBD pkg.debug.depend.file=… pkg.debug.depend.path=…
 * pkg.debug.depend.reason=… pkg.debug.depend.type=elf|script|python|smf_manifest|hardlink type=require`;
 * those the package itself satisfies are dropped, `pkg.depend.bypass-generate`
 * is honoured. The order is by what is depended on, then the file (pkgdepend
 * sorts its depend actions by memory address, so its order is not stable).
 *
 * Kernel modules (under kernel/, usr/kernel/, platform/<p>/kernel/) are
 * looked for as the kernel linker finds them.
 *
 * `-k` and pkg.depend.runpath replace (or, with $PKGDEPEND_RUNPATH, extend)
 * the run paths of ELF objects and the module path of Python files.
 */
import { existsSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { analyzeFile } from '../../analyze/index.ts';
import { RelengError } from '../../util/errors.ts';
import { type Action, type AttrValue, actionToString, attr, attrList, cmpStr } from '../action.ts';
import { elfArch } from '../mangle.ts';
import type { Manifest, ManifestAction } from '../manifest.ts';
import { findProtoFile } from '../proto.ts';
import { pyCompile, pyMatch } from '../pyre.ts';
import { moduleDeps, PythonRunError, pythonVersionFor, scanWithPython } from './python.ts';
import { insertDefaultRunPath } from './runpath.ts';
import { parseSmfManifest, SMF_LOCATIONS, SmfCatalog, smfDependencies } from './smf.ts';

/** pkgdepend generate's options. */
export interface GenerateOptions {
  /** Proto areas, searched in order (`-d`). */
  protoDirs: readonly string[];
  /** `-D NAME=VALUE`: values for dynamic tokens such as `$PLATFORM`. */
  tokens?: ReadonlyMap<string, readonly string[]>;
  /** `-I`: keep dependencies the package satisfies itself. */
  keepInternal?: boolean;
  /** `-k`: run paths for ELF objects and Python modules (pkg.depend.runpath overrides them). */
  runPaths?: readonly string[];
}

/** What generate finds. */
export interface GenerateResult {
  /** The depend actions, in pkgdepend's order. */
  depends: Action[];
  /** Package attributes to add (`set name=pkg.depend.bypassed …`). */
  pkgAttrs: [string, AttrValue][];
  /** Problems that make pkgdepend fail (missing proto file, unknown token). */
  errors: RelengError[];
}

type Kind = 'elf' | 'script' | 'hardlink' | 'python' | 'smf_manifest';
const CLASS: Record<Kind, string> = {
  elf: 'ElfDependency',
  script: 'ScriptDependency',
  hardlink: 'HardlinkDependency',
  python: 'PythonDependency',
  smf_manifest: 'SMFManifestDependency',
};

interface Dep {
  kind: Kind;
  source: ManifestAction;
  baseNames: string[];
  runPaths: string[];
  fullPaths?: string[];
  severity?: string;
}

const lstrip = (p: string): string => p.replace(/^\/+/, '');
const SMF_FMRI = 'org.opensolaris.smf.fmri';

/** The first 4 KiB of a file, as text (enough for its first line). */
async function readHead(file: string): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Python's os.path.join for two parts: no normalisation (pkgdepend keeps `bin/../lib`). */
function pyJoin(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  return a === '' || a.endsWith('/') ? a + b : `${a}/${b}`;
}

function findLocal(
  a: Action,
  protoDirs: readonly string[],
  where: { file: string; line: number },
): { local: string; protoDir: string } | undefined {
  const want = a.hash && a.hash !== 'NOHASH' ? a.hash : (attr(a, 'path') as string);
  findProtoFile(protoDirs, want, where); // refuses a name leading out of the areas
  for (const d of protoDirs) {
    const p = join(d, want);
    if (existsSync(p) && statSync(p).isFile()) return { local: p, protoDir: d };
  }
  return undefined;
}

/** pkgdepend's make_relative: a path under the proto area loses it, then its leading slashes. */
function relativeTo(path: string, protoDir: string): string {
  return lstrip(path.startsWith(protoDir) ? path.slice(protoDir.length) : path);
}

/** A Python file waiting for its interpreter's analysis. */
interface PythonJob {
  source: ManifestAction;
  local: string;
  protoDir: string;
  bypass: string[];
  /** `-k` / pkg.depend.runpath: the module search path instead of the interpreter's. */
  runPaths: string[];
}

function expandTokens(
  rp: string[],
  tokens: Map<string, readonly string[]>,
): { paths: string[]; bad: [string, string][] } {
  const paths: string[] = [];
  const bad: [string, string][] = [];
  for (const p of rp) {
    let todo = [p];
    for (;;) {
      const next: string[] = [];
      let changed = false;
      for (const q of todo) {
        const m = /\$[A-Z]+/.exec(q);
        if (!m) {
          next.push(q);
          continue;
        }
        const vals = tokens.get(m[0]);
        if (!vals) {
          bad.push([p, m[0]]);
          continue;
        }
        changed = true;
        for (const v of vals) next.push(q.replace(m[0], v));
      }
      todo = next;
      if (!changed) break;
    }
    paths.push(...todo);
  }
  return { paths, bad };
}

/** The paths a dependency could be satisfied by. */
function candidates(d: Dep): string[] {
  if (d.fullPaths) return d.fullPaths;
  const out: string[] = [];
  for (const bn of d.baseNames)
    for (const rp of d.runPaths) out.push(posix.normalize(posix.join(rp, bn)));
  return out;
}

/** Whether `path` is delivered by the package, following its links. */
function delivered(
  path: string,
  files: Set<string>,
  links: Map<string, string>,
  depth = 0,
): boolean {
  if (files.has(path)) return true;
  if (depth > 20) return false;
  const parts = path.split('/');
  for (let i = parts.length; i > 0; i--) {
    const head = parts.slice(0, i).join('/');
    const target = links.get(head);
    if (target === undefined) continue;
    const resolved = lstrip(
      posix.normalize(target.startsWith('/') ? target : posix.join(posix.dirname(head), target)),
    );
    return delivered([resolved, ...parts.slice(i)].join('/'), files, links, depth + 1);
  }
  return false;
}

function applyBypass(
  ds: Dep[],
  bypass: string[],
  pkgAttrs: Map<string, AttrValue>,
  file: string,
): Dep[] {
  const regexps = bypass.map((item) => {
    let it = item;
    if (!it.includes('*') && !it.includes('?') && !it.includes('/')) it = `.*/${it}`;
    if (!it.endsWith('$')) it += '$';
    if (!it.startsWith('^')) it = `^${it}`;
    try {
      return pyCompile(it);
    } catch (e) {
      throw new RelengError(
        `${file}: bad pkg.depend.bypass-generate value ${item}: ${(e as Error).message}`,
        { file },
      );
    }
  });
  const out: Dep[] = [];
  for (const d of ds) {
    const full = [...new Set(candidates(d))];
    const bypassed = full.filter((p) => bypass.includes(p) || regexps.some((r) => pyMatch(r, p)));
    if (bypassed.length === 0) {
      out.push(d);
      continue;
    }
    const left = full.filter((p) => !bypassed.includes(p)).sort(cmpStr);
    pkgAttrs.set('pkg.debug.depend.bypassed', [...new Set(bypassed)].sort(cmpStr));
    if (left.length > 0) out.push({ ...d, baseNames: [], runPaths: [], fullPaths: left });
  }
  return out;
}

/** What pkgdepend generate prints after the manifest: the depend actions, then the set actions of its attributes. */
export function generatedLines(res: Pick<GenerateResult, 'depends' | 'pkgAttrs'>): string {
  let out = '';
  for (const d of res.depends) out += `${actionToString(d)}\n`;
  for (const [k, v] of res.pkgAttrs) {
    const set: Action = {
      name: 'set',
      attrs: new Map([
        ['name', k],
        ['value', v],
      ]),
    };
    out += `${actionToString(set)}\n`;
  }
  return out;
}

/** Runs pkgdepend generate's analysis over one manifest. */
export async function generateDepends(
  m: Manifest,
  options: GenerateOptions,
): Promise<GenerateResult> {
  const errors: RelengError[] = [];
  const pkgAttrs = new Map<string, AttrValue>();
  const tokens = new Map(options.tokens ?? []);
  const mfAttr = (name: string): string[] =>
    m.actions
      .filter((a) => a.action.name === 'set' && a.action.attrs.get('name') === name)
      .flatMap((a) => attrList(a.action, 'value'));
  // pkg.depend.runpath (the package's, or a file's) replaces -k: one colon-separated string,
  // where $PKGDEPEND_RUNPATH stands for the paths generate would use.
  const runPathOf = (values: string[], line?: number): string[] | RelengError => {
    const where = line ? `${m.file}:${line}` : m.file;
    const hint = 'set name=pkg.depend.runpath value=DIR:DIR:$PKGDEPEND_RUNPATH (one value)';
    if (values.length !== 1)
      return new RelengError(
        `${where}: Manifest specified multiple values for pkg.depend.runpath rather than a single colon-separated string.`,
        { file: m.file, ...(line ? { line } : {}), hint },
      );
    const parts = (values[0] as string).split(':');
    if (parts.every((x) => x === ''))
      return new RelengError(
        `${where}: Manifest did not specify any entries for pkg.depend.runpath, expecting a colon-separated string.`,
        { file: m.file, ...(line ? { line } : {}), hint },
      );
    return parts;
  };
  let runPaths: string[] = [...(options.runPaths ?? [])];
  const mfRunPath = mfAttr('pkg.depend.runpath');
  if (mfRunPath.length > 0) {
    const r = runPathOf(mfRunPath);
    if (r instanceof RelengError) return { depends: [], pkgAttrs: [], errors: [r] };
    runPaths = r;
  }
  const mfBypass = mfAttr('pkg.depend.bypass-generate');
  let deps: Dep[] = [];
  const pythonJobs = new Map<string, PythonJob[]>();
  let smfCatalog: SmfCatalog | undefined;
  let stopped = false;
  for (const a of m.actions) {
    if (a.action.name !== 'file') continue;
    const path = attr(a.action, 'path') as string;
    let aRunPaths = runPaths;
    if (a.action.attrs.has('pkg.depend.runpath')) {
      const r = runPathOf(attrList(a.action, 'pkg.depend.runpath'), a.line);
      if (r instanceof RelengError) {
        // pkgdepend stops the analysis there.
        errors.push(r);
        stopped = true;
        break;
      }
      aRunPaths = r;
    }
    const found0 = findLocal(a.action, options.protoDirs, { file: m.file, line: a.line });
    if (!found0) {
      errors.push(
        new RelengError(
          `${m.file}:${a.line}: couldn't find ${path} in ${options.protoDirs.join(', ')}`,
          {
            file: m.file,
            line: a.line,
            hint: 'build and install into the proto area first, or fix the path',
          },
        ),
      );
      continue;
    }
    const { local, protoDir } = found0;
    const bypass = a.action.attrs.has('pkg.depend.bypass-generate')
      ? attrList(a.action, 'pkg.depend.bypass-generate')
      : mfBypass;
    if (bypass.includes('.*') || bypass.includes('^.*$')) {
      pkgAttrs.set('pkg.debug.depend.bypassed', `${path}:.*`);
      continue;
    }
    const found: Dep[] = [];
    let smfFmris: string[] | undefined;
    let analysis: Awaited<ReturnType<typeof analyzeFile>>;
    try {
      analysis = await analyzeFile(local);
    } catch (e) {
      errors.push(
        new RelengError(`${local} had this elf error: ${(e as Error).message}`, { file: local }),
      );
      continue;
    }
    if (analysis.kind === 'elf') {
      const elf = analysis.elf;
      let rp = elf.runpath.length > 0 ? [...elf.runpath] : [...elf.rpath];
      rp = rp.filter((p, i) => !(rp.length === 1 && i === 0 && p === ''));
      // Kernel modules: found by krtld in /platform/<platform>/kernel, /kernel, /usr/kernel
      // (a 64-bit one in the amd64 or sparcv9 folder beside the name), not along a run path.
      const parts = path.split('/');
      const kernel =
        path.startsWith('kernel') ||
        path.startsWith('usr/kernel') ||
        (path.startsWith('platform') && parts[2] === 'kernel');
      let kernel64: string | undefined;
      if (kernel) {
        if (rp.length > 1 || (rp.length === 1 && !/^\/usr\/gcc\/\d\/lib$/.test(rp[0] as string))) {
          errors.push(
            new RelengError(
              `${m.file}:${a.line}: RUNPATH set for kernel module (${path}): ${rp.join(':')}`,
              {
                file: m.file,
                line: a.line,
                hint: 'kernel modules are found by the kernel linker, not along a run path: link without -R/-rpath',
              },
            ),
          );
          continue;
        }
        if (path.startsWith('platform')) rp.push(`/platform/${parts[1]}/kernel`);
        else for (const p of tokens.get('$PLATFORM') ?? []) rp.push(`/platform/${p}/kernel`);
        rp.push('/kernel', '/usr/kernel');
        if (elf.bits === 64) {
          const arch = elfArch(elf.machine);
          kernel64 = arch === 'i386' ? 'amd64' : arch === 'sparc' ? 'sparcv9' : undefined;
          if (!kernel64) {
            errors.push(
              new RelengError(
                `${m.file}:${a.line}: ${path} is a 64-bit kernel module for an architecture pkg(5) does not know (${arch})`,
                { file: m.file, line: a.line },
              ),
            );
            continue;
          }
        }
      } else
        for (const p of ['/lib', '/usr/lib']) {
          const q = elf.bits === 64 ? `${p}/64` : p;
          if (!rp.includes(q)) rp.push(q);
        }
      if (aRunPaths.length > 0) {
        const r = insertDefaultRunPath(rp, aRunPaths);
        if (r instanceof Error) {
          errors.push(
            new RelengError(`${m.file}:${a.line}: ${r.message}`, { file: m.file, line: a.line }),
          );
          continue;
        }
        rp = r;
      }
      tokens.set('$ORIGIN', [`/${posix.dirname(path)}`]);
      const { paths, bad } = expandTokens(rp, tokens);
      for (const [p, tok] of bad) {
        errors.push(
          new RelengError(
            `${local} (which will be installed at ${path}) had this token, ${tok}, in its run path: ${p}.  It is not currently possible to automatically expand this token. Please specify its value on the command line.`,
            { file: local },
          ),
        );
      }
      for (const d of elf.needed) {
        const fn = posix.basename(d);
        const pathlist: string[] = [];
        const slash = d.lastIndexOf('/');
        const pn = slash < 0 ? '' : d.slice(0, slash);
        for (const p of paths) {
          const dep = kernel64 ? pyJoin(pyJoin(pyJoin(p, pn), kernel64), fn) : pyJoin(p, d);
          const head = posix.dirname(lstrip(dep));
          if (head && head !== '.') pathlist.push(head);
        }
        found.push({ kind: 'elf', source: a, baseNames: [fn], runPaths: pathlist.sort(cmpStr) });
      }
      tokens.delete('$ORIGIN');
    } else {
      const head = await readHead(local);
      if (head.startsWith('#!')) {
        const line = head.split('\n')[0] as string;
        const mode = Number.parseInt(attr(a.action, 'mode') ?? '0', 8);
        const executable = (mode & 0o111) !== 0;
        const first = line.slice(2).trim().split(/\s+/)[0] ?? '';
        let scriptLine = '';
        if (executable && !first.startsWith('/'))
          errors.push(
            new RelengError(
              `${local} says it should be run with '${first}' which is a relative path.`,
              {
                file: local,
                hint: 'write the interpreter as an absolute path in the #! line',
              },
            ),
          );
        else if (executable) {
          const p = first.startsWith('/bin') ? `/usr${first}` : first;
          found.push({
            kind: 'script',
            source: a,
            baseNames: [posix.basename(p)],
            runPaths: [lstrip(posix.dirname(p))],
          });
          scriptLine = line;
        }
        if (line.includes('python')) {
          const { version, problems } = pythonVersionFor(path, local, scriptLine, !!scriptLine);
          for (const p of problems) errors.push(new RelengError(p, { file: local }));
          if (version) {
            const jobs = pythonJobs.get(version) ?? [];
            jobs.push({ source: a, local, protoDir, bypass, runPaths: aRunPaths });
            pythonJobs.set(version, jobs);
          }
        }
      } else if (
        local.endsWith('.xml') &&
        SMF_LOCATIONS.some((l) => path.startsWith(l)) &&
        head.length > 0
      ) {
        const info = parseSmfManifest(await readFile(local, 'utf8'), local);
        if (info) {
          smfCatalog ??= new SmfCatalog(options.protoDirs);
          const r = smfDependencies(info, local, smfCatalog);
          for (const e of r.errors) errors.push(new RelengError(e, { file: local }));
          for (const f of r.files) {
            if (typeof f === 'string')
              found.push({
                kind: 'smf_manifest',
                source: a,
                baseNames: [posix.basename(f)],
                runPaths: [relativeTo(posix.dirname(f), protoDir)],
              });
            else
              found.push({
                kind: 'smf_manifest',
                source: a,
                baseNames: [],
                runPaths: [],
                fullPaths: f.map((p) => lstrip(p.split(protoDir).join(''))),
              });
          }
          smfFmris = r.fmris;
        }
      }
    }
    deps.push(...(bypass.length > 0 ? applyBypass(found, bypass, pkgAttrs, m.file) : found));
    if (smfFmris) {
      const had = pkgAttrs.get(SMF_FMRI);
      pkgAttrs.set(SMF_FMRI, [...(Array.isArray(had) ? had : []), ...smfFmris]);
    }
  }
  for (const [version, jobs] of pythonJobs) {
    let scan: Awaited<ReturnType<typeof scanWithPython>>;
    try {
      scan = await scanWithPython(
        version,
        jobs.map((j) => j.local),
      );
    } catch (e) {
      if (!(e instanceof PythonRunError)) throw e;
      for (const j of jobs)
        errors.push(
          new RelengError(
            `${m.file}:${j.source.line}: ${attr(j.source.action, 'path')} is Python ${version} code, but its imports cannot be read: ${e.message}`,
            {
              file: m.file,
              line: j.source.line,
              hint: `install python${version}, or set pkg.depend.bypass-generate=.* on the file`,
            },
          ),
        );
      continue;
    }
    jobs.forEach((j, i) => {
      const path = attr(j.source.action, 'path') as string;
      const f = scan.files[i];
      if (!f) return;
      if ('syntax' in f) {
        errors.push(
          new RelengError(
            `The file to be installed at ${path} appears to be a python file but contains a syntax error that prevents it from being analyzed.  The text of the file can be found at ${j.local}.  The error happened on line ${f.syntax.line} at offset ${f.syntax.offset}. The problem was:\n${f.syntax.text}`,
            { file: j.local },
          ),
        );
        return;
      }
      if ('error' in f) {
        errors.push(new RelengError(`${j.local}: ${f.error}`, { file: j.local }));
        return;
      }
      const r = moduleDeps(f.imports, scan, posix.dirname(path), j.runPaths);
      if (r.error) errors.push(new RelengError(`${j.local}: ${r.error}`, { file: j.local }));
      for (const name of r.missing)
        errors.push(
          new RelengError(`Could not find the file for ${name} imported in ${j.local}`, {
            file: j.local,
            hint: 'a script run directly cannot import relative to itself; import the module by its full name',
          }),
        );
      const found: Dep[] = r.deps.map((d) => ({
        kind: 'python',
        source: j.source,
        baseNames: [...d.fileNames].sort(cmpStr),
        runPaths: d.dirs.map((p) => relativeTo(p, j.protoDir)).sort(cmpStr),
      }));
      deps.push(...(j.bypass.length > 0 ? applyBypass(found, j.bypass, pkgAttrs, m.file) : found));
    });
  }
  for (const a of stopped ? [] : m.actions) {
    if (a.action.name !== 'hardlink') continue;
    const path = attr(a.action, 'path') as string;
    const target = attr(a.action, 'target') ?? '';
    const full = lstrip(
      posix.normalize(target.startsWith('/') ? target : posix.join(posix.dirname(path), target)),
    );
    deps.push({
      kind: 'hardlink',
      source: a,
      baseNames: [posix.basename(full)],
      runPaths: [posix.dirname(full)],
    });
  }

  const pkgHasVariants = m.actions.some(
    (a) => a.action.name === 'set' && String(a.action.attrs.get('name')).startsWith('variant.'),
  );
  const noVariants = (a: Action): boolean =>
    !pkgHasVariants && ![...a.attrs.keys()].some((k) => k.startsWith('variant.'));
  if (!options.keepInternal) {
    const files = new Set<string>();
    const links = new Map<string, string>();
    const baseNames = new Set<string>();
    for (const { action } of m.actions) {
      const p = attr(action, 'path');
      if (p === undefined) continue;
      if (action.name === 'file' || action.name === 'hardlink' || action.name === 'dir')
        files.add(p);
      if (action.name === 'file') baseNames.add(posix.basename(p));
      if (action.name === 'link') links.set(p, attr(action, 'target') ?? '');
    }
    const kept: Dep[] = [];
    for (const d of deps) {
      if (candidates(d).some((p) => delivered(p, files, links))) continue;
      // The library is in the package but not on the run path: likely set at run time; a warning
      // (pkgdepend decides so only when no variant is involved).
      if (
        d.kind === 'elf' &&
        d.baseNames[0] &&
        baseNames.has(d.baseNames[0]) &&
        noVariants(d.source.action)
      ) {
        d.severity = 'warning';
      }
      kept.push(d);
    }
    deps = kept;
  }

  const key = (d: Dep): string[][] => [
    d.fullPaths ?? d.baseNames,
    d.fullPaths ? [] : d.runPaths,
    [attr(d.source.action, 'path') as string],
    [CLASS[d.kind]],
  ];
  const cmpKey = (x: string[][], y: string[][]): number => {
    for (let i = 0; i < x.length; i++) {
      const a = x[i] as string[];
      const b = y[i] as string[];
      for (let j = 0; j < Math.min(a.length, b.length); j++) {
        const c = cmpStr(a[j] as string, b[j] as string);
        if (c) return c;
      }
      if (a.length !== b.length) return a.length < b.length ? -1 : 1;
    }
    return 0;
  };
  deps.sort((x, y) => cmpKey(key(x), key(y)));
  const depends = deps.map((d): Action => {
    const attrs = new Map<string, AttrValue>();
    if (d.fullPaths) attrs.set('pkg.debug.depend.fullpath', d.fullPaths);
    else {
      attrs.set('pkg.debug.depend.file', d.baseNames);
      attrs.set('pkg.debug.depend.path', d.runPaths);
    }
    attrs.set('pkg.debug.depend.type', d.kind);
    if (d.severity) attrs.set('pkg.debug.depend.severity', d.severity);
    attrs.set('fmri', '__TBD');
    attrs.set('type', 'require');
    attrs.set('pkg.debug.depend.reason', attr(d.source.action, 'path') as string);
    for (const [k, v] of d.source.action.attrs) if (k.startsWith('variant.')) attrs.set(k, v);
    return { name: 'depend', attrs };
  });
  return { depends, pkgAttrs: [...pkgAttrs], errors };
}
