/**
 * Benchmark: indexing a YUM repository with releng vs createrepo_c.
 *
 *   node bench/repository-yum/run.ts [--packages 2000] [--runs 3] [--work DIR]
 *
 * Builds --packages small rpms with releng's own writer (cached in
 * bench/work/repository-yum/rpms-N, reused between runs), then times each of
 * these --runs times, interleaved so that a busy machine slows all of them
 * alike (wall clock, best and median; CPU time user+sys via /usr/bin/time):
 *   - createrepo_c (default: XML + sqlite) and createrepo_c --no-database (XML only, like releng);
 *   - releng full index: `yumRepository(dir)` on a folder of rpms without an index, then
 *     publish, in a new Node process (start-up and TypeScript stripping included, like
 *     createrepo_c's start-up), again with Node's compile cache warm, and in process;
 *   - createrepo_c --update after adding one package;
 *   - releng +1 package: open the indexed repository, add one rpm, publish — new process,
 *     with the compile cache, and in process.
 *   - releng +1 package through the CLI as users run it, signed
 *     (`bin/releng.mjs repo add DIR FILE --key KEY`, a new process: start-up,
 *     openpgp.js and the signature included).
 * Floors: releng full index ≤ 2× createrepo_c; one-package add ≤ 0.2 s.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeOutputs } from '../../src/outputs/index.ts';
import { generateKey } from '../../src/repository/signing/index.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const { values } = parseArgs({
  options: {
    packages: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    work: { type: 'string', default: path.join(ROOT, 'bench/work/repository-yum') },
  },
});
const N = Number(values.packages);
const RUNS = Number(values.runs);
const WORK = path.resolve(values.work);
const NODE = process.execPath;
const YUM_API = path.join(ROOT, 'src/repository/yum/index.ts');

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

const HAVE_TIME = existsSync('/usr/bin/time');

interface Sample {
  wall: number;
  /** User + system CPU time of the process and its threads (ms), when /usr/bin/time exists. */
  cpu?: number;
  /** What the process printed (the in-process timings). */
  stdout: string;
}

/** Runs a command and measures it (wall clock; CPU time via /usr/bin/time). */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Sample {
  const timeFile = path.join(WORK, 'time.out');
  const argv = HAVE_TIME
    ? ['/usr/bin/time', '-o', timeFile, '-f', '%U %S', cmd, ...args]
    : [cmd, ...args];
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  let cpu: number | undefined;
  if (HAVE_TIME) {
    const [u, s] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    cpu = ((u ?? 0) + (s ?? 0)) * 1000;
  }
  return { wall, cpu, stdout: r.stdout };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};
const secs = (ms: number | undefined): string =>
  ms === undefined ? '   -  ' : (ms / 1000).toFixed(3);

function describe(i: number): Record<string, unknown> {
  const name = `bench-pkg-${String(i).padStart(5, '0')}`;
  return {
    name,
    version: `1.${i % 7}`,
    release: '1',
    format: 'rpm',
    compression: 'gzip',
    license: 'MIT',
    maintainer: 'Bench <bench@example.org>',
    summary: `Benchmark package ${i}`,
    description: `Package ${i} of the YUM indexing benchmark.`,
    depends: i % 3 === 0 ? ['coreutils >= 8.0'] : [],
    provides: [`bench-cap-${i}`],
    contents: [
      { content: `#!/bin/sh\necho ${name}\n`, dst: `/usr/bin/${name}`, mode: '0755' },
      { content: `${name} data\n`.repeat(20), dst: `/usr/share/${name}/data.txt` },
      { content: `key=${i}\n`, dst: `/etc/${name}.conf` },
    ],
    changelog: [
      {
        version: `1.${i % 7}`,
        date: '2024-05-01T12:00:00Z',
        author: 'Bench <bench@example.org>',
        changes: ['Benchmark build.'],
      },
    ],
  };
}

/** N rpms (plus one extra for the incremental add), built once. */
async function corpus(): Promise<{ dir: string; extra: string }> {
  const dir = path.join(WORK, `rpms-${N}`);
  const extraDir = path.join(WORK, `extra-${N}`);
  const done = path.join(dir, '.complete');
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      await writeOutputs(describe(i), {
        sourceDir: dir,
        imagesDir: dir,
        sourceDateEpoch: 1714564800,
      });
    }
    rmSync(extraDir, { recursive: true, force: true });
    await writeOutputs(describe(N), {
      sourceDir: extraDir,
      imagesDir: extraDir,
      sourceDateEpoch: 1714564800,
    });
    writeFileSync(done, '');
    console.log(
      `built ${N + 1} rpms with releng's writer in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  const extra = path.join(extraDir, readdirSync(extraDir).find((f) => f.endsWith('.rpm'))!);
  return { dir, extra };
}

function freshCopy(src: string, name: string): string {
  const dest = path.join(WORK, name);
  rmSync(dest, { recursive: true, force: true });
  // Copies keep the sources' mtimes, so every run indexes identical inputs.
  cpSync(src, dest, {
    recursive: true,
    preserveTimestamps: true,
    filter: (f) => !f.endsWith('.complete'),
  });
  return dest;
}

function script(name: string, body: string): string {
  const file = path.join(WORK, name);
  writeFileSync(file, `import { yumRepository } from ${JSON.stringify(YUM_API)};\n${body}\n`);
  return file;
}

const { dir: rpms, extra } = await corpus();
console.log(
  `${N} rpms in ${rpms}; node ${process.version}; ${have('createrepo_c') ? spawnSync('createrepo_c', ['--version'], { encoding: 'utf8' }).stdout.trim() : 'createrepo_c missing'}\n`,
);

const fullScript = script(
  'full.ts',
  'const repo = await yumRepository(process.argv[2]!); await repo.publish({ revision: 1 });',
);
const addScript = script(
  'add.ts',
  'const repo = await yumRepository(process.argv[2]!); await repo.add([process.argv[3]!]); await repo.publish({ revision: 2 });',
);
const fullTimed = script(
  'full-timed.ts',
  'const t0 = performance.now(); const repo = await yumRepository(process.argv[2]!); await repo.publish({ revision: 1 }); console.log(performance.now() - t0);',
);
const addTimed = script(
  'add-timed.ts',
  'const t0 = performance.now(); const repo = await yumRepository(process.argv[2]!); await repo.add([process.argv[3]!]); await repo.publish({ revision: 2 }); console.log(performance.now() - t0);',
);

/** Node's compile cache (what `module.enableCompileCache()` in bin/releng.mjs would give). */
const CACHE_ENV = { ...process.env, NODE_COMPILE_CACHE: path.join(WORK, 'node-compile-cache') };
measure(NODE, [fullScript, freshCopy(rpms, 'rl')], CACHE_ENV); // fills the compile cache

/** releng's CLI and a signing key for the signed measurement. */
const CLI = path.join(ROOT, 'bin/releng.mjs');
const KEY = path.join(WORK, 'bench-key.asc');
if (!existsSync(KEY)) await generateKey({ name: 'Bench', email: 'bench@example.org', out: KEY });
const CLI_ADD = 'releng repo add 1 via the CLI, signed (new process, bin/releng.mjs)';

const samples: Record<string, Sample[]> = {};
const add = (label: string, s: Sample): void => {
  samples[label] ??= [];
  samples[label].push(s);
};
const CR = have('createrepo_c');
// The runs interleave the tools, so a busy machine slows all of them alike.
for (let run = 0; run < RUNS; run++) {
  if (CR) {
    add('createrepo_c (XML + sqlite)', measure('createrepo_c', ['-q', freshCopy(rpms, 'cr')]));
    const d = freshCopy(rpms, 'cr');
    add(
      'createrepo_c --no-database (XML only, like releng)',
      measure('createrepo_c', ['-q', '--no-database', d]),
    );
    cpSync(extra, path.join(d, path.basename(extra)), { preserveTimestamps: true });
    add(
      'createrepo_c --update --no-database, +1 package',
      measure('createrepo_c', ['-q', '--update', '--no-database', d]),
    );
  }
  add('releng full index (new process)', measure(NODE, [fullScript, freshCopy(rpms, 'rl')]));
  const d = freshCopy(rpms, 'rl');
  add('releng full index (new process, compile cache)', measure(NODE, [fullScript, d], CACHE_ENV));
  add(
    'releng +1 package: open, add, publish (new process, compile cache)',
    measure(NODE, [addScript, d, extra], CACHE_ENV),
  );
  const e = freshCopy(rpms, 'rl');
  const full = measure(NODE, [fullTimed, e], CACHE_ENV);
  add('releng full index (in process, modules loaded)', {
    wall: Number(full.stdout.trim()),
    stdout: '',
  });
  const inc = measure(NODE, [addTimed, e, extra], CACHE_ENV);
  add('releng +1 package (in process, modules loaded)', {
    wall: Number(inc.stdout.trim()),
    stdout: '',
  });
  const f = freshCopy(rpms, 'rl');
  measure(NODE, [fullScript, f], CACHE_ENV);
  add('releng +1 package (new process, no compile cache)', measure(NODE, [addScript, f, extra]));
  // Through the CLI, signed: a signed repository first (untimed), then the add.
  const g = freshCopy(rpms, 'rl');
  measure(NODE, [CLI, 'repo', 'index', g, '--type', 'yum', '--key', KEY]);
  add(CLI_ADD, measure(NODE, [CLI, 'repo', 'add', g, extra, '--key', KEY]));
}

console.log(`${'(seconds, best of runs)'.padEnd(70)}  wall  median    cpu`);
const best: Record<string, number> = {};
const med: Record<string, number> = {};
for (const [label, list] of Object.entries(samples)) {
  best[label] = Math.min(...list.map((x) => x.wall));
  med[label] = median(list.map((x) => x.wall));
  const cpus = list.map((x) => x.cpu).filter((x): x is number => x !== undefined);
  console.log(
    `${label.padEnd(70)} ${secs(best[label])}  ${secs(med[label])}  ${secs(cpus.length ? Math.min(...cpus) : undefined)}`,
  );
}

console.log('');
const crNoDb = 'createrepo_c --no-database (XML only, like releng)';
const rlFull = 'releng full index (new process, compile cache)';
const rlFullCold = 'releng full index (new process)';
if (best[crNoDb] !== undefined) {
  const r = best[rlFull]! / best[crNoDb];
  console.log(
    `full index: releng / createrepo_c --no-database = ${r.toFixed(2)}× best, ${(med[rlFull]! / med[crNoDb]!).toFixed(2)}× median (without compile cache ${(best[rlFullCold]! / best[crNoDb]).toFixed(2)}×); / createrepo_c default = ${(best[rlFull]! / best['createrepo_c (XML + sqlite)']!).toFixed(2)}× — floor ≤ 2×: ${r <= 2 ? 'PASS' : 'FAIL'}`,
  );
}
const rlAdd = 'releng +1 package: open, add, publish (new process, compile cache)';
const rlAddIn = 'releng +1 package (in process, modules loaded)';
console.log(
  `+1 package: ${secs(best[rlAdd])} s new process, ${secs(best[rlAddIn])} s in process — floor ≤ 0.2 s: ${best[rlAdd]! <= 200 ? 'PASS' : 'FAIL'}`,
);
console.log(
  `+1 package through the CLI, signed: ${secs(best[CLI_ADD])} s best, ${secs(med[CLI_ADD])} s median`,
);
writeFileSync(
  path.join(WORK, 'results.json'),
  `${JSON.stringify({ packages: N, runs: RUNS, bestMs: best, medianMs: med }, null, 2)}\n`,
);
