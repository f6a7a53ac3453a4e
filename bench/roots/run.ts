// Fresh-root start and concurrent builds of the bwrap-overlay root backend,
// side by side with the per-build root set-up of the tools we compare with.
//
//   node bench/roots/run.ts [--root NAME] [--reps N] [--cache DIR] [--tarball FILE]
//
// Needs root and an existing root (`releng root create NAME --include rpm,file`);
// uses RELENG_ROOTS_DIR like the CLI. Measured, each --reps times (default 40),
// interleaved:
//   releng   backend.exec(['true']) in-process: registration, overlay mount in
//            a private mount namespace, bubblewrap, teardown (a fresh root, used, gone)
//   tarball  what sbuild's unshare mode and pbuilder do per build before the
//            build starts: unpack the base tarball into an empty folder (then rm),
//            with the same base (`tar -C BASE -cf` once, zstd as sbuild's default)
// and N (--concurrent, default 4) `releng root build` runs of a small rpm whose %build
// sleeps 2 s, all at once vs one after another: the makespan shows whether
// builds wait on each other (a global lock would make it the sum).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { rootsCacheDir } from '../../src/roots/cache.ts';
import { openBackend } from '../../src/roots/index.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: 'bench-bookworm' },
    reps: { type: 'string', default: '40' },
    cache: { type: 'string' },
    tarball: { type: 'string' },
    concurrent: { type: 'string', default: '4' },
  },
});
const reps = Number(values.reps);
const cacheDir = rootsCacheDir(values.cache);
const backend = await openBackend('bwrap-overlay', { cacheDir });
const info = await backend.info(values.root!);

function stats(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(1)} ms  min ${s[0]!.toFixed(1)}  p90 ${q(0.9).toFixed(1)}  (n=${s.length})`;
}

const scratch = await mkdtemp(path.join(tmpdir(), 'releng-bench-roots-'));
const tarball = values.tarball ?? path.join(scratch, 'base.tar.zst');
if (!existsSync(tarball)) {
  const t = spawnSync('sh', [
    '-c',
    'tar -C "$1" -cf - . | zstd -q -T0 -o "$2"',
    'sh',
    info.basePath,
    tarball,
  ]);
  if (t.status !== 0) throw new Error(`cannot make the base tarball: ${t.stderr}`);
}

const fresh: number[] = [];
const unpack: number[] = [];
for (let i = 0; i < reps; i++) {
  let t = performance.now();
  const code = await backend.exec(info.name, { command: ['true'], onOutput: () => {} });
  fresh.push(performance.now() - t);
  if (code !== 0) throw new Error(`true exited ${code}`);
  if (i % 4 === 0) {
    // The tarball path costs seconds: sample it every 4th repetition.
    const dir = path.join(scratch, `u${i}`);
    t = performance.now();
    spawnSync('sh', [
      '-c',
      'mkdir "$2" && zstd -dc "$1" | tar -C "$2" -xf - && rm -rf "$2"',
      'sh',
      tarball,
      dir,
    ]);
    unpack.push(performance.now() - t);
  }
}
console.log(`root ${info.name} base ${info.key}`);
console.log(`releng fresh root (exec true):  ${stats(fresh)}`);
console.log(`tarball unpack + rm (sbuild unshare / pbuilder per-build set-up): ${stats(unpack)}`);
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log(`ratio releng / tarball: ${(med(fresh) / med(unpack)).toFixed(4)}×`);

const n = Number(values.concurrent);
const bin = path.join(import.meta.dirname, '..', '..', 'bin', 'releng.mjs');
const specDirs: string[] = [];
for (let r = 1; r <= n; r++) {
  const d = path.join(scratch, `spec${r}`);
  await mkdir(d);
  await writeFile(
    path.join(d, 'bench-tiny.spec'),
    `Name: bench-tiny\nVersion: 1.0\nRelease: ${r}\nSummary: bench\nLicense: MIT\nBuildArch: noarch\nSource0: tiny.sh\n\n%description\nbench\n\n%prep\n\n%build\nsleep 2\n\n%install\ninstall -D -m 0755 %{SOURCE0} %{buildroot}/usr/bin/bench-tiny\n\n%files\n/usr/bin/bench-tiny\n`,
  );
  await writeFile(path.join(d, 'tiny.sh'), '#!/bin/sh\necho tiny\n');
  specDirs.push(d);
}
const buildOne = (d: string) =>
  new Promise<void>((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [bin, 'root', 'build', info.name, d, '--out', path.join(scratch, 'out'), '--cache', cacheDir],
      { stdio: 'ignore' },
    );
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`build exited ${code}`))));
  });
let t0 = performance.now();
for (const d of specDirs) await buildOne(d);
const serial = performance.now() - t0;
t0 = performance.now();
await Promise.all(specDirs.map(buildOne));
const together = performance.now() - t0;
console.log(
  `${n} builds one after another: ${(serial / 1000).toFixed(2)} s; all at once: ${(together / 1000).toFixed(2)} s; makespan/sum ${(together / serial).toFixed(2)}×`,
);
await rm(scratch, { recursive: true, force: true });
