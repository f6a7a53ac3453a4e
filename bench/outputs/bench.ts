/**
 * Benchmark: releng's .deb and .rpm writers side by side with dpkg-deb and
 * rpmbuild on the same tree and the same compression.
 *
 *   node bench/outputs/bench.ts [--files 10000] [--mb 300] [--compression xz|zstd|gzip] [--runs 1] [--keep]
 *
 * Generates a deterministic tree (text-like and random content mixed, so the
 * compressors have real work), then times each builder (best of --runs) and
 * prints the ratios. Tools that are missing are skipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeOutputs } from '../../src/outputs/index.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '10000' },
    mb: { type: 'string', default: '300' },
    compression: { type: 'string', default: 'xz' },
    runs: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
  },
});
const FILES = Number(values.files);
const BYTES = Number(values.mb) * 1024 * 1024;
const COMPRESSION = values.compression as 'xz' | 'zstd' | 'gzip';
const RUNS = Number(values.runs);
const SDE = '1714564800';
const LEVEL = { xz: 6, zstd: 19, gzip: 9 }[COMPRESSION];

// Deterministic PRNG (xorshift32).
let seed = 0x12345678;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}
const WORDS =
  'release engineering package build source binary archive version control dependency compress digest header payload tree file directory owner group mode time'.split(
    ' ',
  );

function content(size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let i = 0;
  while (i < size) {
    if (rand() < 0.05) {
      // A short run of random bytes (incompressible; about a tenth of the data).
      const n = Math.min(size - i, 64 + Math.floor(rand() * 192));
      for (let k = 0; k < n; k++) buf[i + k] = Math.floor(rand() * 256);
      i += n;
    } else {
      // A line of text.
      let line = '';
      while (line.length < 60) line += `${WORDS[Math.floor(rand() * WORDS.length)]} `;
      i += buf.write(`${line}${Math.floor(rand() * 1e6)}\n`, i, 'latin1');
    }
  }
  return buf;
}

function generate(root: string): { files: number; bytes: number } {
  const base = path.join(root, 'usr/share/benchpkg');
  const big = 10;
  const bigSize = Math.floor((BYTES * 0.15) / big);
  const smallAvg = (BYTES - big * bigSize) / (FILES - big);
  let bytes = 0;
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(base, `d${String(i % 100).padStart(2, '0')}`, `s${Math.floor(i / 1000)}`);
    mkdirSync(dir, { recursive: true });
    const size = i < big ? bigSize : Math.max(16, Math.floor(smallAvg * (0.2 + 1.6 * rand())));
    writeFileSync(path.join(dir, `file-${i}.dat`), content(size));
    bytes += size;
  }
  return { files: FILES, bytes };
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function sh(cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string): void {
  const r = spawnSync(cmd, args, {
    env: { ...process.env, ...env },
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr?.slice(-2000)}`);
}

async function time(fn: () => Promise<void> | void): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

const work = mkdtempSync(path.join(tmpdir(), 'releng-bench-'));
const root = path.join(work, 'root');
const out = path.join(work, 'out');
mkdirSync(out);
console.log(
  `# tree: ${FILES} files, ~${values.mb} MB, in ${work}; compression ${COMPRESSION} level ${LEVEL}; ${availableParallelism()} CPUs`,
);
const t0 = performance.now();
const gen = generate(root);
console.log(
  `# generated ${gen.files} files, ${(gen.bytes / 1048576).toFixed(1)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const meta = {
  name: 'benchpkg',
  version: '1.0',
  release: '1',
  architecture: 'all',
  maintainer: 'Bench <bench@example.org>',
  license: 'MIT',
  summary: 'Benchmark package',
  description: 'Benchmark package.',
};
const results: Array<[string, number, number]> = [];

async function relengWrite(format: 'deb' | 'rpm'): Promise<void> {
  await writeOutputs(
    {
      ...meta,
      format,
      compression: COMPRESSION,
      compressionLevel: LEVEL,
      deb: { docs: false },
      contents: [{ src: 'usr/share/benchpkg', dst: '/usr/share/benchpkg' }],
    },
    { sourceDir: root, imagesDir: out, sourceDateEpoch: SDE },
  );
}

// .deb
const relengDeb = await time(() => relengWrite('deb'));
let dpkgDeb = Number.NaN;
if (have('dpkg-deb')) {
  mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
  writeFileSync(
    path.join(root, 'DEBIAN/control'),
    `Package: benchpkg\nVersion: 1.0-1\nArchitecture: all\nMaintainer: ${meta.maintainer}\nDescription: Benchmark package\n Benchmark package.\n`,
  );
  const z = { xz: 'xz', zstd: 'zstd', gzip: 'gzip' }[COMPRESSION];
  dpkgDeb = await time(() =>
    sh(
      'dpkg-deb',
      ['--root-owner-group', `-Z${z}`, `-z${LEVEL}`, '--build', root, path.join(out, 'dpkg.deb')],
      { SOURCE_DATE_EPOCH: SDE },
    ),
  );
  rmSync(path.join(root, 'DEBIAN'), { recursive: true });
}
results.push(['deb', relengDeb, dpkgDeb]);

// .rpm
const relengRpm = await time(() => relengWrite('rpm'));
let rpmbuild = Number.NaN;
if (have('rpmbuild')) {
  const spec = path.join(work, 'bench.spec');
  writeFileSync(
    spec,
    `Name: benchpkg\nVersion: 1.0\nRelease: 1\nSummary: Benchmark package\nLicense: MIT\nBuildArch: noarch\n%description\nBenchmark package.\n%files\n/usr/share/benchpkg\n`,
  );
  const payload = { xz: `w${LEVEL}T.xzdio`, zstd: `w${LEVEL}T.zstdio`, gzip: `w${LEVEL}.gzdio` }[
    COMPRESSION
  ];
  rpmbuild = await time(() =>
    sh(
      'rpmbuild',
      [
        '--define',
        `_topdir ${path.join(work, 'rpmbuild')}`,
        '--define',
        'use_source_date_epoch_as_buildtime 1',
        '--define',
        'clamp_mtime_to_source_date_epoch 1',
        '--define',
        `_binary_payload ${payload}`,
        '--define',
        '_build_id_links none',
        '--buildroot',
        root,
        '--noclean',
        '-bb',
        spec,
      ],
      { SOURCE_DATE_EPOCH: SDE },
    ),
  );
}
results.push(['rpm', relengRpm, rpmbuild]);

console.log('\n| format | releng (s) | reference | reference (s) | ratio | floor |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [format, ours, ref] of results) {
  const refName = format === 'deb' ? 'dpkg-deb' : 'rpmbuild';
  const floor = format === 'deb' ? 1.0 : 0.5;
  const ratio = ours / ref;
  console.log(
    `| ${format} | ${ours.toFixed(2)} | ${refName} | ${Number.isNaN(ref) ? 'n/a' : ref.toFixed(2)} | ${Number.isNaN(ratio) ? 'n/a' : `${ratio.toFixed(2)}×`} | ≤ ${floor.toFixed(1)}× ${Number.isNaN(ratio) ? '' : ratio <= floor ? 'met' : 'MISSED'} |`,
  );
}
for (const f of ['benchpkg_1.0-1_all.deb', 'dpkg.deb', 'benchpkg-1.0-1.noarch.rpm']) {
  try {
    console.log(`# ${f}: ${(statSync(path.join(out, f)).size / 1048576).toFixed(1)} MiB`);
  } catch {}
}
if (!values.keep) rmSync(work, { recursive: true, force: true });
else console.log(`# kept ${work}`);
