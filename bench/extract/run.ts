// Times releng's extractArchive against GNU tar on a ~100 MB source-like
// tarball (many small files), as .tar.gz and .tar.xz (single- and multi-block).
//
//   node bench/extract/run.ts [--source DIR] [--size MB] [--reps N]
//                             [--formats gz,xz,xz-mt,bz2,zst,tar] [--keep]
//                             [--quiet SHARE] [--quiet-wait SECONDS] [--out-dir DIR]
//
// The tree is files from --source (default /usr/include, a real source-like
// tree of headers; a generated tree of C-like files when it is missing or too
// small) copied under pkg-1.0/ until --size MB (default 100) of content. It is
// archived with the real tar at default levels, as release tarballs are
// (`tar -czf`, `tar -cJf`; xz-mt is `xz -T0`: multi-block, as xz >= 5.6 writes
// by default, which releng's `xz -dc -T0` decompresses in parallel).
//
// Each repetition, for each format, times `extractArchive(file, dest,
// { stripCount: 1 })` in this process and `tar -xf file -C dest
// --strip-components=1` (GNU tar, decompressing with gzip/xz itself), in
// alternating order, each into a fresh empty directory, with `sync` before
// each. Outputs are removed only at the end: deleting 100 MB of small files
// right before a run slows that run down by seconds on ext4, whichever tool it
// is. The first repetition checks both outputs are identical (diff -r).
// Prints the median and best of each, the ratio releng / tar (below 1: releng
// is faster) and the CPU time (user + sys, children included) of each.
//
// Outputs go under --out-dir (default: the work directory under os.tmpdir());
// `--out-dir /dev/shm` (tmpfs) takes the disk and its journal out of the
// figures, leaving what the extractors themselves cost. Before each pair of
// runs the runner waits (up to --quiet-wait seconds, default 120) until other
// processes use less than --quiet (default 0.25) of the CPUs, since a busy
// shared machine inflates wall times.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { extractArchive } from '../../src/extract/index.ts';

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: '/usr/include' },
    size: { type: 'string', default: '100' },
    reps: { type: 'string', default: '5' },
    formats: { type: 'string', default: 'gz,xz,xz-mt' },
    keep: { type: 'boolean', default: false },
    quiet: { type: 'string', default: '0.25' },
    'quiet-wait': { type: 'string', default: '120' },
    'out-dir': { type: 'string' },
  },
});
const targetBytes = Number(values.size) * 1_000_000;
const reps = Number(values.reps);
const formats = values.formats.split(',');

const FORMAT_FLAGS: Record<string, string[]> = {
  tar: [],
  gz: ['-z'],
  xz: ['-J'],
  'xz-mt': ['-I', 'xz -T0'],
  bz2: ['-j'],
  zst: ['--zstd'],
};
const EXT: Record<string, string> = {
  'xz-mt': '-mt.tar.xz',
  tar: '.tar',
  gz: '.tar.gz',
  xz: '.tar.xz',
  bz2: '.tar.bz2',
  zst: '.tar.zst',
};

function sh(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}${r.error ?? ''}`);
  return r.stdout;
}

/** Files of `root` (relative, sorted) with their sizes: regular files and symlinks. */
function listFiles(root: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(root, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile() || st.isSymbolicLink()) out.push([r, st.isFile() ? st.size : 0]);
    }
  };
  walk('');
  return out;
}

/** Deterministic C-like text: compresses about like real sources. */
function generateTree(dir: string, bytes: number): void {
  const words =
    'int char void static const struct return if else for while size_t uint32_t buffer length offset result error value config table entry node list count index data'.split(
      ' ',
    );
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let total = 0;
  for (let d = 0; total < bytes; d++) {
    const sub = path.join(dir, `module${d}`, d % 3 ? 'src' : 'include');
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 40 && total < bytes; f++) {
      const lines: string[] = [];
      const size = 1000 + rand(30000);
      let len = 0;
      while (len < size) {
        const line = `${'  '.repeat(rand(4))}${Array.from({ length: 3 + rand(8) }, () => words[rand(words.length)]).join(' ')};`;
        lines.push(line);
        len += line.length + 1;
      }
      writeFileSync(path.join(sub, `file${f}.${d % 3 ? 'c' : 'h'}`), `${lines.join('\n')}\n`);
      total += len;
    }
  }
}

function buildTree(work: string): { tree: string; bytes: number; files: number; origin: string } {
  const tree = path.join(work, 'tree');
  const pkg = path.join(tree, 'pkg-1.0');
  mkdirSync(pkg, { recursive: true });
  const source = values.source;
  const files = existsSync(source) ? listFiles(source) : [];
  const available = files.reduce((s, [, n]) => s + n, 0);
  if (available >= targetBytes / 4) {
    // Copies of the source (part-0, part-1, ...) until the target size.
    const list: string[] = [];
    let bytes = 0;
    let copies = 0;
    while (bytes < targetBytes) {
      const chosen: string[] = [];
      for (const [rel, size] of files) {
        if (bytes >= targetBytes) break;
        chosen.push(rel);
        bytes += size;
      }
      const listFile = path.join(work, `list-${copies}`);
      writeFileSync(listFile, `${chosen.join('\n')}\n`);
      const dest = path.join(pkg, `part-${copies}`);
      mkdirSync(dest);
      const pack = spawnSync('sh', [
        '-c',
        `tar -cf - -C '${source}' -T '${listFile}' | tar -xf - -C '${dest}'`,
      ]);
      if (pack.status !== 0) throw new Error(`copying ${source} failed: ${pack.stderr}`);
      list.push(...chosen);
      copies++;
    }
    return {
      tree,
      bytes,
      files: list.length,
      origin: `${source} (${copies} cop${copies > 1 ? 'ies' : 'y'})`,
    };
  }
  generateTree(pkg, targetBytes);
  const generated = listFiles(pkg);
  return {
    tree,
    bytes: generated.reduce((s, [, n]) => s + n, 0),
    files: generated.length,
    origin: 'generated C-like files',
  };
}

/** Share of all CPUs busy over the next second (from /proc/stat). */
async function busyShare(): Promise<number | undefined> {
  const sample = () => {
    try {
      const cpu = readFileSync('/proc/stat', 'utf8')
        .split('\n')[0]!
        .trim()
        .split(/\s+/)
        .slice(1)
        .map(Number);
      const idle = cpu[3]! + (cpu[4] ?? 0);
      return { idle, total: cpu.reduce((a, b) => a + b, 0) };
    } catch {
      return undefined;
    }
  };
  const a = sample();
  await new Promise((r) => setTimeout(r, 1000));
  const b = sample();
  if (!a || !b || b.total === a.total) return undefined;
  return 1 - (b.idle - a.idle) / (b.total - a.total);
}

async function waitQuiet(): Promise<string> {
  const limit = Number(values.quiet);
  const deadline = performance.now() + Number(values['quiet-wait']) * 1000;
  let busy = await busyShare();
  while (busy !== undefined && busy > limit && performance.now() < deadline)
    busy = await busyShare();
  return busy === undefined
    ? 'load unknown'
    : `others using ${(busy * 100).toFixed(0)}% of the CPUs`;
}

/** CPU seconds (user + sys) used so far by this process and its waited-for children. */
function cpuSeconds(): number {
  const self = process.cpuUsage();
  const kids = childrenCpu();
  return (self.user + self.system) / 1e6 + kids;
}

/** User + sys of waited-for children, from /proc/self/stat (cutime, cstime). */
function childrenCpu(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state is index 0; cutime and cstime are fields 16 and 17 (1-based).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'releng-bench-extract-'));
  const outRoot = values['out-dir']
    ? mkdtempSync(path.join(values['out-dir'], 'releng-bench-extract-out-'))
    : work;
  try {
    const t0 = performance.now();
    const { tree, bytes, files, origin } = buildTree(work);
    console.log(`tree: ${files} files, ${(bytes / 1e6).toFixed(1)} MB of content, from ${origin}`);
    const archives: Record<string, string> = {};
    for (const f of formats) {
      const file = path.join(work, `pkg-1.0${EXT[f]}`);
      sh('tar', ['-c', ...FORMAT_FLAGS[f]!, '-f', file, 'pkg-1.0'], tree);
      archives[f] = file;
      console.log(`  ${path.basename(file)}: ${(lstatSync(file).size / 1e6).toFixed(1)} MB`);
    }
    console.log(`prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(
      `outputs under ${outRoot} (${sh('df', ['--output=fstype', outRoot]).split('\n')[1]?.trim()})`,
    );
    console.log(
      `node ${process.version}, ${sh('tar', ['--version']).split('\n')[0]}, ${availableParallelism()} CPUs, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );

    const times: Record<string, { releng: number[]; tar: number[] }> = {};
    const cpu: Record<string, { releng: number[]; tar: number[] }> = {};
    let n = 0;
    const fresh = () => {
      const d = path.join(outRoot, `out-${n++}`);
      mkdirSync(d);
      return d;
    };
    for (let rep = 0; rep < reps; rep++) {
      for (const f of formats) {
        const quiet = await waitQuiet();
        const file = archives[f]!;
        times[f] ??= { releng: [], tar: [] };
        cpu[f] ??= { releng: [], tar: [] };
        const order = rep % 2 ? ['tar', 'releng'] : ['releng', 'tar'];
        const outs: Record<string, string> = {};
        for (const who of order) {
          const dest = fresh();
          spawnSync('sync');
          const cpu0 = cpuSeconds();
          const start = performance.now();
          if (who === 'releng') await extractArchive(file, dest, { stripCount: 1 });
          else sh('tar', ['-xf', file, '-C', dest, '--strip-components=1']);
          const secs = (performance.now() - start) / 1000;
          times[f]![who as 'releng' | 'tar'].push(secs);
          cpu[f]![who as 'releng' | 'tar'].push(cpuSeconds() - cpu0);
          outs[who] = dest;
        }
        if (rep === 0) {
          const diff = spawnSync('diff', ['-r', '--no-dereference', outs.releng!, outs.tar!], {
            encoding: 'utf8',
          });
          if (diff.status !== 0) throw new Error(`outputs differ:\n${diff.stdout.slice(0, 2000)}`);
        }
        const t = times[f]!;
        const c = cpu[f]!;
        console.log(
          `rep ${rep + 1} ${f} (${quiet}): releng ${t.releng.at(-1)!.toFixed(3)} s (cpu ${c.releng.at(-1)!.toFixed(2)}), tar ${t.tar.at(-1)!.toFixed(3)} s (cpu ${c.tar.at(-1)!.toFixed(2)})`,
        );
      }
    }
    console.log('');
    console.log(
      '| archive | releng wall median (best) | GNU tar wall median (best) | releng / tar (wall) | CPU s releng / tar (median) |',
    );
    console.log('|---|---|---|---|---|');
    for (const f of formats) {
      const t = times[f]!;
      const c = cpu[f]!;
      const r = median(t.releng);
      const g = median(t.tar);
      console.log(
        `| ${path.basename(archives[f]!)} | ${r.toFixed(3)} s (${Math.min(...t.releng).toFixed(3)}) | ${g.toFixed(3)} s (${Math.min(...t.tar).toFixed(3)}) | ${(r / g).toFixed(2)} | ${median(c.releng).toFixed(2)} / ${median(c.tar).toFixed(2)} |`,
      );
    }
    console.log(
      `load at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    if (values.keep) console.log(`kept ${work}`);
    else {
      rmSync(work, { recursive: true, force: true });
      rmSync(outRoot, { recursive: true, force: true });
    }
  }
}

await main();
