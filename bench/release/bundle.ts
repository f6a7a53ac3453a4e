// Times releng's release-bundle writer (src/release/bundle/archive.ts) against
// the usual reproducible pipelines of the system tools, on a generated tree:
//
//   node bench/release/bundle.ts [--files N] [--reps N]
//
// tar.gz:  releng vs `tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@E -cf - . | gzip -9n`
// tar.bz2: releng vs the same tar | `bzip2 -9`
// zip:     releng vs `zip -X -9 -r -q` (after `touch -d @E` on every file)
// Prints the median wall time of each and the ratio releng / tool.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ArchiveFormat, writeBundleArchive } from '../../src/release/bundle/archive.ts';
import { filesUnder } from '../../src/release/bundle/sources.ts';

const { values } = parseArgs({
  options: { files: { type: 'string', default: '3000' }, reps: { type: 'string', default: '5' } },
});
const FILES = Number(values.files);
const REPS = Number(values.reps);
const EPOCH = 1700000000;

const work = mkdtempSync(join(tmpdir(), 'releng-bench-bundle-'));
const tree = join(work, 'tree');
// Source-like files: mostly small text, a few large binary ones.
let seed = 1;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed;
};
for (let i = 0; i < FILES; i++) {
  const dir = join(tree, `d${i % 40}`, `s${i % 7}`);
  mkdirSync(dir, { recursive: true });
  const big = i % 500 === 0;
  const size = big ? 2 << 20 : 500 + (rand() % 12000);
  const buf = Buffer.alloc(size);
  for (let j = 0; j < size; j++) buf[j] = big ? (rand() >> 16) & 0xff : 32 + ((rand() >> 16) % 60);
  writeFileSync(join(dir, `f${i}.${big ? 'bin' : 'c'}`), buf);
}
execFileSync('sh', ['-c', `find '${tree}' -exec touch -h -d @${EPOCH} {} +`]);
const members = filesUnder(tree).map((rel) => ({ name: rel, source: join(tree, rel) }));
const bytes = members.reduce((n, m) => n + statSync(m.source).size, 0);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
async function time(fn: () => Promise<void> | void): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const TAR = `tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@${EPOCH} -C '${tree}' -cf - .`;
const tools: Record<ArchiveFormat, string> = {
  'tar.gz': `${TAR} | gzip -9n > '${work}/tool.tar.gz'`,
  'tar.bz2': `${TAR} | bzip2 -9 > '${work}/tool.tar.bz2'`,
  zip: `cd '${tree}' && rm -f '${work}/tool.zip' && zip -X -9 -r -q '${work}/tool.zip' .`,
};
console.log(
  `tree: ${members.length} files, ${(bytes / 1048576).toFixed(1)} MiB; ${REPS} repetitions, median wall time`,
);
for (const format of ['tar.gz', 'tar.bz2', 'zip'] as const) {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < REPS; r++) {
    ours.push(
      await time(() =>
        writeBundleArchive(join(work, `releng.${format}`), format, 'top', members, EPOCH),
      ),
    );
    theirs.push(await time(() => void execFileSync('sh', ['-c', tools[format]])));
  }
  const a = median(ours);
  const b = median(theirs);
  const size = (f: string) => (statSync(join(work, f)).size / 1048576).toFixed(2);
  console.log(
    `${format.padEnd(8)} releng ${a.toFixed(0).padStart(6)} ms (${size(`releng.${format}`)} MiB)   tool ${b.toFixed(0).padStart(6)} ms (${size(`tool.${format}`)} MiB)   ratio ${(a / b).toFixed(2)}`,
  );
}
rmSync(work, { recursive: true, force: true });
