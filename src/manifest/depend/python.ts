/**
 * pkgdepend's Python dependencies: the modules a Python file imports, each as
 * the file names and folders it may be loaded from.
 *
 * As pkgdepend, the imports are read by the Python the file is meant for
 * (`pythonX.Y`, from its install folder `usr/lib/pythonX.Y/…` or its `#!`
 * line): that interpreter compiles the file and lists the import
 * instructions of its byte code (the standard library's `modulefinder`
 * scanner), and reports its module search path (`sys.path` without the
 * first entry and without `PYTHONPATH`'s), its built-in modules and its
 * extension suffixes. Which file names and folders each import stands for
 * is worked out here, as pkgdepend's depth-limited module finder does: only
 * the file's own imports, never those of the modules it imports.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cmpStr } from '../action.ts';
import { insertDefaultRunPath } from './runpath.ts';

/** What the interpreter says about itself and the files. */
export interface PythonScan {
  /** The module search path (`sys.path[1:]` without `PYTHONPATH` entries). */
  path: string[];
  builtins: Set<string>;
  /** `importlib.machinery.EXTENSION_SUFFIXES`. */
  suffixes: string[];
  files: PythonFileScan[];
}

/** One import instruction: level 0 absolute, ≥ 1 relative. */
export interface PythonImport {
  level: number;
  fromlist: string[] | null;
  name: string;
}

/** The imports of one file, in byte-code order, or why it could not be compiled. */
export type PythonFileScan =
  | { imports: PythonImport[] }
  | { syntax: { line: number | null; offset: number | null; text: string } }
  | { error: string };

// Run by the target interpreter: stdin is a JSON list of files, stdout one JSON object.
const HELPER = `
import importlib.machinery, json, modulefinder, os, sys
pp = [os.path.normpath(p) for p in os.environ["PYTHONPATH"].split(os.pathsep)] if "PYTHONPATH" in os.environ else []
path = [p for p in sys.path[1:] if not any(p.startswith(q) for q in pp)]
finder = modulefinder.ModuleFinder()
def walk(co, out):
    for what, args in finder.scan_opcodes(co):
        if what == "absolute_import":
            out.append([0, args[0], args[1]])
        elif what == "relative_import":
            out.append(list(args))
    for c in co.co_consts:
        if isinstance(c, type(co)):
            walk(c, out)
res = []
for f in json.load(sys.stdin):
    try:
        with open(f) as fp:
            co = compile(fp.read() + "\\n", f, "exec")
        out = []
        walk(co, out)
        res.append({"imports": [{"level": l, "fromlist": None if fl is None else list(fl), "name": n} for l, fl, n in out]})
    except SyntaxError as e:
        res.append({"syntax": {"line": e.lineno, "offset": e.offset, "text": str(e)}})
    except Exception as e:
        res.append({"error": str(e)})
json.dump({"path": path, "builtins": sorted(sys.builtin_module_names),
           "suffixes": importlib.machinery.EXTENSION_SUFFIXES, "files": res}, sys.stdout)
`;

/** Error of running the interpreter (not installed, crashed): its command and message. */
export class PythonRunError extends Error {}

/**
 * Asks `pythonX.Y` for its search path and the imports of `files`: the
 * system's `/usr/bin/pythonX.Y` (the interpreter such files run with, and
 * the one the reference pkgdepend runs on), else the one on PATH.
 */
export function scanWithPython(version: string, files: readonly string[]): Promise<PythonScan> {
  const system = `/usr/bin/python${version}`;
  const cmd = existsSync(system) ? system : `python${version}`;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, ['-c', HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new PythonRunError(`${cmd} could not be run: ${e.message}`)));
    child.stdin.on('error', () => {}); // a failed start is reported by 'error' above
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new PythonRunError(
            `${cmd} exited with code ${code}: ${Buffer.concat(err).toString().trim()}`,
          ),
        );
        return;
      }
      try {
        const r = JSON.parse(Buffer.concat(out).toString('utf8')) as Omit<
          PythonScan,
          'builtins'
        > & { builtins: string[] };
        resolve({ ...r, builtins: new Set(r.builtins) });
      } catch (e) {
        reject(new PythonRunError(`${cmd} printed what releng cannot read: ${String(e)}`));
      }
    });
    child.stdin.end(JSON.stringify(files));
  });
}

/** A module an import may load: its name and the folders it may be in. */
interface ModInfo {
  name: string;
  dirs: string[];
  builtin: boolean;
  /** Imported as a package (a dotted import's leading parts): only `NAME/__init__.py`. */
  pkg: boolean;
}

/** Python's os.path.join of two parts. */
function pyJoin(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  return a === '' || a.endsWith('/') ? a + b : `${a}/${b}`;
}

/** The file names a module may have, as pkgdepend lists them. */
function fileNames(m: ModInfo, suffixes: readonly string[]): string[] {
  if (m.pkg) return m.dirs.length > 0 ? [`${m.name}/__init__.py`] : [];
  return [
    `${m.name}.py`,
    `${m.name}.pyc`,
    `${m.name}.pyo`,
    `${m.name}/__init__.py`,
    ...suffixes.map((s) => `${m.name}${s}`),
    ...suffixes.map((s) => `64/${m.name}${s}`),
  ];
}

/** One module dependency: file names (sorted) and folders (as found). */
export interface PythonModuleDep {
  fileNames: string[];
  dirs: string[];
}

/** What a file's imports come to. */
export interface PythonDeps {
  deps: PythonModuleDep[];
  /** Modules whose file cannot be found (relative imports of a script), sorted. */
  missing: string[];
  /** A problem that stops the analysis (pkgdepend reports the exception). */
  error?: string;
}

/**
 * The modules a file's imports name, found as pkgdepend's module finder
 * finds them, for a file to be installed in `installDir` (added to the end
 * of the search path, so modules beside it count).
 */
export function moduleDeps(
  imports: readonly PythonImport[],
  scan: Pick<PythonScan, 'path' | 'builtins' | 'suffixes'>,
  installDir: string,
  runPaths: readonly string[] = [],
): PythonDeps {
  let searchPath = [...scan.path, installDir];
  if (runPaths.length > 0) {
    const r = insertDefaultRunPath(searchPath, runPaths);
    if (r instanceof Error) return { deps: [], missing: [], error: r.message };
    searchPath = r;
  }
  const bad = new Set<string>();
  const find = (name: string, dirs: string[] | null): ModInfo => {
    if (!dirs || dirs.length === 0) {
      if (scan.builtins.has(name) || name === '__future__')
        return { name, dirs: [], builtin: true, pkg: false };
      return { name, dirs: [...searchPath].sort(cmpStr), builtin: false, pkg: false };
    }
    return { name, dirs: [...dirs].sort(cmpStr), builtin: false, pkg: false };
  };
  const importHook = (full: string): ModInfo[] => {
    const name = full === 'os.path' ? 'os' : full;
    const dot = name.indexOf('.');
    const head = dot < 0 ? name : name.slice(0, dot);
    let tail = dot < 0 ? '' : name.slice(dot + 1);
    const q = find(head, null);
    if (!tail) return q.builtin ? [] : [q];
    const res: (ModInfo | null)[] = [];
    let parent: ModInfo | null = q;
    while (tail) {
      const i = tail.indexOf('.');
      const part = i < 0 ? tail : tail.slice(0, i);
      tail = i < 0 ? '' : tail.slice(i + 1);
      let r: ModInfo | null;
      if (!parent) r = find(part, null);
      else if (parent.dirs.length === 0) r = null;
      else
        r = find(
          part,
          parent.dirs.map((d) => pyJoin(d, (parent as ModInfo).name)),
        );
      res.push(r);
      parent = r;
    }
    if (res.some((r) => r === null))
      throw new Error(`the import of ${full} names a module inside ${head}, which has no folder`);
    const mods = res as ModInfo[];
    for (const m of mods.slice(0, -1)) m.pkg = true;
    q.pkg = true;
    return [...mods, q];
  };

  const found: ModInfo[] = [];
  try {
    for (const imp of imports) {
      if (imp.level === 0) {
        if (bad.has(imp.name)) continue;
        // The script itself: a module with no folder (pkgdepend prints no path for it).
        if (imp.name === '__main__') {
          found.push({ name: '__main__', dirs: [], builtin: false, pkg: false });
          continue;
        }
        if (imp.name.startsWith('__main__.'))
          throw new Error(`the import of ${imp.name} names a module inside the script itself`);
        // A `from NAME import a, b` imports NAME once per name: the same modules again.
        found.push(...importHook(imp.name));
      } else if (imp.name) {
        // Relative to the file run as a script (`__main__`), which is no package: not found.
        bad.add(imp.name);
      } else {
        // `from . import x`: the finder gives up on the whole file.
        bad.add('__main__');
        found.length = 0;
        break;
      }
    }
  } catch (e) {
    return { deps: [], missing: [], error: (e as Error).message };
  }
  const seen = new Set<string>();
  const deps: PythonModuleDep[] = [];
  for (const m of found) {
    const names = fileNames(m, scan.suffixes);
    const key = JSON.stringify([names, m.dirs]);
    if (seen.has(key)) continue;
    seen.add(key);
    deps.push({ fileNames: names, dirs: m.dirs });
  }
  return { deps, missing: [...bad].sort(cmpStr) };
}

const PY_BIN = /^#!\s*\/usr\/bin\/([^/]+\/)?python(\d+)\.(\d+)/;
const PY_LIB = /^usr\/lib\/python(\d+)\.(\d+)\//;

/** Which Python analyses a file, as pkgdepend decides it; with the problems that decision finds. */
export function pythonVersionFor(
  path: string,
  local: string,
  firstLine: string,
  executable: boolean,
): { version?: string; problems: string[] } {
  const dir = PY_LIB.exec(path);
  const bin = executable ? PY_BIN.exec(firstLine) : null;
  const problems: string[] = [];
  if (executable) {
    if (dir && bin && (dir[1] !== bin[2] || dir[2] !== bin[3]))
      problems.push(
        `The file to be installed at ${path} declares a python version of ${bin[2]}.${bin[3]}.  However, the path suggests that the version should be ${dir[1]}.${dir[2]}.  The text of the file can be found at ${local}`,
      );
    if (dir) return { version: `${dir[1]}.${dir[2]}`, problems };
    if (bin) return { version: `${bin[2]}.${bin[3]}`, problems };
    problems.push(
      `The file to be installed in ${path} does not specify a specific version of python either in its installed path nor in its text.  Such a file cannot be analyzed for dependencies since the version of python it will be used with is unknown.  The text of the file is here: ${local}.`,
    );
    return { problems };
  }
  return dir ? { version: `${dir[1]}.${dir[2]}`, problems } : { problems };
}
