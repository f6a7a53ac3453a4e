// Generates N-package benchmark projects with no-op stage scripts.
//
//   node bench/generate.ts --format native|releng-tool --shape tree|chain \
//     --packages N --out DIR [--list all|roots] [--legacy-names] [--force]
//
// Shapes (deterministic, package names p0001 … pNNNN):
//   tree   a balanced ternary tree: the last package is the root and every
//          package depends on up to three earlier ones (depth ≈ log3 N)
//   chain  every package depends on the one before it (depth N)
//
// Formats:
//   native       releng.config.ts + package/<p>/<p>.ts with trivial async hooks
//   releng-tool  releng-tool.rt + package/<p>/<p>.rt (<P>_VERSION,
//                <P>_DEPENDENCIES) + <p>-configure.rt, <p>-build.rt and
//                <p>-install.rt Python scripts that do nothing meaningful.
//                Runs unchanged under releng-tool and releng. With
//                --legacy-names the files are named like the releng-tool
//                guide's examples instead (releng.py, package/<p>/<p>,
//                <p>-build, …), which releng-tool 4.x warns about per file.
//
// The project's package list is every package (--list all, the default, in
// dependency order) or only the packages nothing depends on (--list roots:
// the tree's root, the chain's last package) so that the tool has to find
// the rest through dependencies.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export type Format = 'native' | 'releng-tool';
export type Shape = 'tree' | 'chain';
export type ListMode = 'all' | 'roots';

export interface GenerateOptions {
  format: Format;
  shape: Shape;
  packages: number;
  out: string;
  /** Which packages the project lists (default all). */
  list?: ListMode;
  /** releng-tool format: guide-style names without the `.rt` extension. */
  legacyNames?: boolean;
  /** Replace a non-empty output directory. */
  force?: boolean;
}

export interface GeneratedProject {
  root: string;
  /** Package names, dependencies before dependents. */
  names: string[];
  /** The packages listed in the project configuration. */
  listed: string[];
  /** Longest dependency path, in packages. */
  depth: number;
}

/** Maximum number of dependencies of a tree package. */
export const TREE_FANOUT = 3;

/** Package names p0001 … pNNNN (at least four digits, all the same width). */
export function packageNames(count: number): string[] {
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, i) => `p${String(i + 1).padStart(width, '0')}`);
}

/**
 * Dependencies by package index (0-based). Every index depends only on
 * lower indexes, so the natural order is a valid build order.
 */
export function dependencyIndexes(shape: Shape, count: number): number[][] {
  const deps: number[][] = [];
  for (let i = 0; i < count; i++) {
    if (shape === 'chain') {
      deps.push(i > 0 ? [i - 1] : []);
      continue;
    }
    // Heap layout counted from the end: heap node h is package count-1-h,
    // its children are heap nodes FANOUT*h+1 … FANOUT*h+FANOUT.
    const h = count - 1 - i;
    const children: number[] = [];
    for (let c = TREE_FANOUT * h + 1; c <= TREE_FANOUT * h + TREE_FANOUT && c < count; c++) {
      children.push(count - 1 - c);
    }
    deps.push(children.reverse());
  }
  return deps;
}

function longestPath(deps: number[][]): number {
  const depth: number[] = [];
  for (let i = 0; i < deps.length; i++) {
    let d = 0;
    for (const j of deps[i] ?? []) d = Math.max(d, depth[j] ?? 0);
    depth.push(d + 1);
  }
  return Math.max(0, ...depth);
}

function pyList(items: readonly string[]): string {
  if (items.length === 0) return '[]';
  return `[\n${items.map((s) => `    '${s}',`).join('\n')}\n]`;
}

function tsList(items: readonly string[]): string {
  return `[${items.map((s) => `'${s}'`).join(', ')}]`;
}

const PY_HEADER = '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\n';

/** Writes files with bounded concurrency (thousands of small files). */
async function writeAll(files: Array<[string, string]>): Promise<void> {
  const dirs = new Set(files.map(([path]) => join(path, '..')));
  await Promise.all([...dirs].map((d) => mkdir(d, { recursive: true })));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const entry = files[next++];
      if (entry) await writeFile(entry[0], entry[1]);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

export async function generateProject(options: GenerateOptions): Promise<GeneratedProject> {
  const { format, shape, packages: count } = options;
  if (!Number.isInteger(count) || count < 1)
    throw new Error('--packages must be a positive integer');
  const root = resolve(options.out);
  const existing = await readdir(root).catch(() => [] as string[]);
  if (existing.length > 0) {
    if (!options.force) throw new Error(`${root} is not empty (use --force to replace it)`);
    await rm(root, { recursive: true, force: true });
  }

  const names = packageNames(count);
  const deps = dependencyIndexes(shape, count);
  const depNames = deps.map((list) => list.map((j) => names[j] as string));
  const dependedOn = new Set(deps.flat());
  const listed =
    (options.list ?? 'all') === 'all' ? names : names.filter((_, i) => !dependedOn.has(i));

  const files: Array<[string, string]> = [];
  const header = `generated by bench/generate.ts: ${format}, ${shape}, ${count} packages`;
  if (format === 'native') {
    files.push([
      join(root, 'releng.config.ts'),
      `// ${header}\nimport { defineProject } from 'releng';\n\nexport default defineProject({\n  packages: ${tsList(listed)},\n});\n`,
    ]);
    names.forEach((name, i) => {
      const dependencies = depNames[i] ?? [];
      const depLine = dependencies.length > 0 ? `  dependencies: ${tsList(dependencies)},\n` : '';
      files.push([
        join(root, 'package', name, `${name}.ts`),
        `import { definePackage } from 'releng';\n\nexport default definePackage({\n  version: '1.0.0',\n${depLine}  async configure() {},\n  async build() {},\n  async install() {},\n});\n`,
      ]);
    });
  } else {
    const ext = options.legacyNames ? '' : '.rt';
    const configName = options.legacyNames ? 'releng.py' : 'releng-tool.rt';
    files.push([join(root, configName), `${PY_HEADER}# ${header}\npackages = ${pyList(listed)}\n`]);
    names.forEach((name, i) => {
      const key = name.toUpperCase().replaceAll('-', '_');
      const dependencies = depNames[i] ?? [];
      const dir = join(root, 'package', name);
      let def = `${PY_HEADER}${key}_VERSION = '1.0.0'\n`;
      if (dependencies.length > 0) def += `${key}_DEPENDENCIES = ${pyList(dependencies)}\n`;
      files.push([join(dir, `${name}${ext}`), def]);
      for (const stage of ['configure', 'build', 'install']) {
        files.push([join(dir, `${name}-${stage}${ext}`), `${PY_HEADER}stage = '${stage}'\n`]);
      }
    });
  }
  await writeAll(files);
  return { root, names, listed, depth: longestPath(deps) };
}

async function cli(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      format: { type: 'string', default: 'releng-tool' },
      shape: { type: 'string', default: 'tree' },
      packages: { type: 'string', short: 'n', default: '200' },
      out: { type: 'string', short: 'o' },
      list: { type: 'string', default: 'all' },
      'legacy-names': { type: 'boolean', default: false },
      force: { type: 'boolean', short: 'f', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || !values.out) {
    process.stdout.write(
      'usage: node bench/generate.ts --format native|releng-tool --shape tree|chain --packages N --out DIR\n' +
        '                              [--list all|roots] [--legacy-names] [--force]\n',
    );
    return values.help ? 0 : 2;
  }
  const format = values.format as Format;
  const shape = values.shape as Shape;
  const list = values.list as ListMode;
  if (format !== 'native' && format !== 'releng-tool')
    throw new Error(`unknown --format ${format}`);
  if (shape !== 'tree' && shape !== 'chain') throw new Error(`unknown --shape ${shape}`);
  if (list !== 'all' && list !== 'roots') throw new Error(`unknown --list ${list}`);
  const project = await generateProject({
    format,
    shape,
    packages: Number(values.packages),
    out: values.out,
    list,
    legacyNames: values['legacy-names'],
    force: values.force,
  });
  process.stdout.write(
    `${project.root}: ${format} ${shape}, ${project.names.length} packages, ` +
      `${project.listed.length} listed, depth ${project.depth}\n`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    process.exitCode = await cli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`generate: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
