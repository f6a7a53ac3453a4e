/**
 * Every format round-trips a source-like tree (content, modes, symlinks,
 * hard links, mtimes, long and non-ASCII names) with strip counts 0, 1 and 2;
 * archives are made by the real tar and zip.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { extractArchive } from '../../src/extract/index.ts';
import { have, makeSourceTree, run, snapshot, stripped, tempDir } from './helpers.ts';

interface Format {
  file: string;
  /** Command making `file` from `src/pkg-1.0` (run in `src`). */
  make: (out: string) => [string, string[]];
  needs?: string;
  hardlinks: boolean;
}

const FORMATS: Format[] = [
  { file: 'pkg.tar', make: (o) => ['tar', ['-cf', o, 'pkg-1.0']], hardlinks: true },
  {
    file: 'pkg-pax.tar',
    make: (o) => ['tar', ['--format=pax', '-cf', o, 'pkg-1.0']],
    hardlinks: true,
  },
  { file: 'pkg.tar.gz', make: (o) => ['tar', ['-czf', o, 'pkg-1.0']], hardlinks: true },
  { file: 'pkg.tgz', make: (o) => ['tar', ['-czf', o, 'pkg-1.0']], hardlinks: true },
  { file: 'pkg.tar.bz2', make: (o) => ['tar', ['-cjf', o, 'pkg-1.0']], hardlinks: true },
  { file: 'pkg.tar.xz', make: (o) => ['tar', ['-cJf', o, 'pkg-1.0']], hardlinks: true },
  {
    file: 'pkg.tar.zst',
    make: (o) => ['tar', ['--zstd', '-cf', o, 'pkg-1.0']],
    needs: 'zstd',
    hardlinks: true,
  },
  {
    file: 'pkg.tar.lz',
    make: (o) => ['tar', ['--lzip', '-cf', o, 'pkg-1.0']],
    needs: 'lzip',
    hardlinks: true,
  },
  { file: 'pkg.zip', make: (o) => ['zip', ['-qry', o, 'pkg-1.0']], needs: 'zip', hardlinks: false },
];

let base: string;
let src: string;
let expected: ReturnType<typeof snapshot>;

before(() => {
  base = tempDir();
  src = makeSourceTree(base);
  expected = snapshot(src);
});
after(() => rmSync(base, { recursive: true, force: true }));

/** Hard links become plain copies in formats without them: compare content, not inodes. */
function asObject(snap: ReturnType<typeof snapshot>) {
  return Object.fromEntries(snap);
}

for (const format of FORMATS) {
  describe(format.file, {
    skip: format.needs && !have(format.needs) ? `no ${format.needs}` : false,
  }, () => {
    let archive: string;
    before(() => {
      archive = path.join(base, format.file);
      const [cmd, args] = format.make(archive);
      run(cmd, args, src);
    });

    for (const strip of [0, 1, 2]) {
      test(`strip ${strip}`, async () => {
        const dest = path.join(base, `out-${format.file}-${strip}`);
        mkdirSync(dest);
        const lines: string[] = [];
        await extractArchive(archive, dest, { stripCount: strip, log: (l) => lines.push(l) });
        assert.deepEqual(asObject(snapshot(dest)), asObject(stripped(expected, strip)));
        assert.match(lines.join('\n'), /extracted \d+ files/);

        if (strip === 1) {
          // Spot checks that say what the snapshot comparison means.
          assert.equal(lstatSync(path.join(dest, 'bin/run.sh')).mode & 0o777, 0o755);
          assert.equal(lstatSync(path.join(dest, 'private/key.pem')).mode & 0o777, 0o600);
          assert.equal(lstatSync(path.join(dest, 'private')).mode & 0o777, 0o750);
          assert.ok(lstatSync(path.join(dest, 'link-abs')).isSymbolicLink());
          const readme = lstatSync(path.join(dest, 'README'));
          const hard = lstatSync(path.join(dest, 'README.hardlink'));
          if (format.hardlinks) assert.equal(hard.ino, readme.ino);
          assert.equal(Math.floor(readme.mtimeMs / 1000), expected.get('pkg-1.0/README')!.mtime);
        }
      });
    }
  });
}
