/**
 * Benchmark: releng's APT repository indexer beside apt-ftparchive.
 *
 *   node bench/repository-apt/run.ts [--debs 800] [--big 2000] [--runs 5] [--adds 5] [--kb 0]
 *                                    [--from DIR] [--skip-incremental]
 *
 * 1. Full index of --debs small .debs (made with releng's own .deb writer,
 *    xz-compressed like its default; or, with --from, the first --debs .debs
 *    of a folder such as /var/cache/apt/archives) already in pool/:
 *    - releng: `reindex()` + `publish()` on a repository with no state
 *      (no index, no cache): reads every .deb, writes Packages, .gz, .xz,
 *      by-hash copies, Release, InRelease and Release.gpg (Ed25519);
 *    - apt-ftparchive packages pool/ (no cache database) > Packages, alone;
 *    - the apt-ftparchive pipeline for the same outputs: packages, gzip -9,
 *      xz -6, apt-ftparchive release, gpg --clearsign and --detach-sign.
 * 2. Incremental: a repository of --big packages takes one more package
 *    (`aptRepository` + `add` + `publish`, signed), --adds times with a
 *    different package each time; also through the CLI (a new process).
 *
 * Generated packages are cached in bench/work/repository-apt/.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeOutputs } from '../../src/outputs/index.ts';
import { aptRepository } from '../../src/repository/apt/index.ts';
import { generateKey, openSigner } from '../../src/repository/signing/index.ts';

const { values } = parseArgs({
  options: {
    debs: { type: 'string', default: '800' },
    big: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '5' },
    adds: { type: 'string', default: '5' },
    kb: { type: 'string', default: '0' },
    from: { type: 'string' },
    'skip-incremental': { type: 'boolean', default: false },
  },
});
/** Extra payload per package (KiB, incompressible), to see hashing-bound runs. */
const KB = Number(values.kb);
const N = Number(values.debs);
const BIG = Number(values.big);
const RUNS = Number(values.runs);
const ADDS = Number(values.adds);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORK = path.join(ROOT, 'bench/work/repository-apt');
const NODE = process.execPath;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = (): number => performance.now();
const fmt = (ms: number): string =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;

function sh(cmd: string, cwd?: string): number {
  const t = now();
  const r = spawnSync('sh', ['-c', cmd], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr.toString()}`);
  return now() - t;
}

/** Makes `count` small .debs named bench-<prefix><i> in dir (cached). */
async function makeDebs(dir: string, prefix: string, count: number, kb = 0): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const have = new Set(readdirSync(dir));
  const src = path.join(dir, '.src');
  mkdirSync(src, { recursive: true });
  const out: string[] = [];
  const t = now();
  let made = 0;
  for (let i = 0; i < count; i++) {
    const name = `bench-${prefix}${String(i).padStart(5, '0')}`;
    const file = `${name}_1.${i}-1_amd64.deb`;
    if (!have.has(file)) {
      const description = {
        name,
        version: `1.${i}`,
        release: '1',
        architecture: 'amd64',
        maintainer: 'Bench <bench@example.org>',
        summary: `benchmark package ${i}`,
        description: `Package ${i} of the repository benchmark.\n\nIt holds two small files.`,
        license: 'MIT',
        section: i % 2 ? 'utils' : 'libs',
        depends: [
          `libc6 (>= 2.31)`,
          ...(i > 0 ? [`bench-${prefix}${String(i - 1).padStart(5, '0')}`] : []),
        ],
        format: 'deb',
        contents: [
          { content: `#!/bin/sh\necho ${name} ${i}\n`, dst: `/usr/bin/${name}`, mode: '0755' },
          { content: `${'data '.repeat(200)}${i}\n`, dst: `/usr/share/${name}/data.txt` },
          ...(kb > 0
            ? [
                {
                  content: randomBytes(kb * 768).toString('base64'),
                  dst: `/usr/share/${name}/blob.b64`,
                },
              ]
            : []),
        ],
        compression: kb > 0 ? 'gzip' : 'xz',
        deb: { fields: {} },
      };
      await writeOutputs(description as never, {
        sourceDir: src,
        imagesDir: dir,
        sourceDateEpoch: 1714564800,
      });
      made++;
    }
    out.push(path.join(dir, file));
  }
  if (made) console.log(`  (made ${made} .debs with releng's writer in ${fmt(now() - t)})`);
  return out;
}

/** A fresh repository folder whose pool/ holds hard links to the given files. */
function poolWith(dir: string, files: string[]): void {
  rmSync(dir, { recursive: true, force: true });
  for (const f of files) {
    const base = path.basename(f);
    const name = base.split('_')[0]!;
    const d = path.join(dir, 'pool/main/b', name);
    mkdirSync(d, { recursive: true });
    try {
      linkSync(f, path.join(d, base));
    } catch {
      copyFileSync(f, path.join(d, base)); // another file system (--from)
    }
  }
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const keyFile = path.join(WORK, 'bench-key.asc');
  if (!existsSync(keyFile))
    await generateKey({ name: 'Bench', email: 'bench@example.org', out: keyFile });
  const signer = await openSigner({ keyFile });
  const gnupg = path.join(WORK, 'gnupg');
  if (!existsSync(gnupg)) {
    mkdirSync(gnupg, { mode: 0o700 });
    spawnSync('gpg', ['--homedir', gnupg, '--batch', '--import', keyFile], { stdio: 'ignore' });
  }
  const aptFtp = spawnSync('sh', ['-c', 'command -v apt-ftparchive']).status === 0;

  const label = values.from
    ? `${N} .debs from ${values.from}`
    : KB > 0
      ? `${N} .debs of ~${KB} KiB`
      : `${N} small .debs`;
  console.log(`# 1. Full index: ${label} (no state, no cache)`);
  const debs = values.from
    ? readdirSync(values.from)
        .filter((f) => f.endsWith('.deb'))
        .sort()
        .slice(0, N)
        .map((f) => path.join(values.from!, f))
    : await makeDebs(
        path.join(WORK, KB > 0 ? `debs-${N}-${KB}k` : `debs-${N}`),
        KB > 0 ? `k${KB}-` : 'f',
        N,
        KB,
      );
  const total = debs.reduce((n, f) => n + statSync(f).size, 0);
  console.log(`  (${(total / 1048576).toFixed(1)} MiB in all)`);
  const repoDir = path.join(WORK, 'full-repo');
  const indexTimes: number[] = [];
  const relengTimes: number[] = [];
  const ftpTimes: number[] = [];
  const pipeTimes: number[] = [];
  // Runs alternate between the tools so background load hits both alike.
  for (let r = 0; r < RUNS; r++) {
    poolWith(repoDir, debs);
    const t = now();
    const repo = await aptRepository(repoDir, { suite: 'stable', architectures: ['amd64'] });
    await repo.reindex();
    const text = repo.packagesFiles().get('main/binary-amd64/Packages')!;
    writeFileSync(path.join(WORK, 'Packages.releng'), text);
    indexTimes.push(now() - t);
    await repo.publish({ signer });
    relengTimes.push(now() - t);
    if (aptFtp) {
      poolWith(repoDir, debs);
      ftpTimes.push(
        sh(`apt-ftparchive packages pool > ${path.join(WORK, 'Packages.ftparchive')}`, repoDir),
      );
    }
  }
  const index = median(indexTimes);
  const releng = median(relengTimes);
  console.log(
    `releng index (read every .deb, Packages text): ${fmt(index)}   [${indexTimes.map(fmt).join(', ')}]`,
  );
  console.log(
    `releng index + publish (Packages/.gz/.xz, by-hash, Release, InRelease, Release.gpg): ${fmt(releng)}   [${relengTimes.map(fmt).join(', ')}]`,
  );
  if (aptFtp) {
    const ftp = median(ftpTimes);
    console.log(
      `apt-ftparchive packages pool (no cache db), Packages only: ${fmt(ftp)}   [${ftpTimes.map(fmt).join(', ')}]`,
    );
    console.log(
      `ratio releng index / apt-ftparchive packages: ${(index / ftp).toFixed(3)}×   (target ≤ 0.3×)`,
    );
    for (let r = 0; r < RUNS; r++) {
      poolWith(repoDir, debs);
      const d = 'dists/stable/main/binary-amd64';
      mkdirSync(path.join(repoDir, d), { recursive: true });
      pipeTimes.push(
        sh(
          [
            `apt-ftparchive packages pool > ${d}/Packages`,
            `gzip -9nk ${d}/Packages`,
            `xz -6 -T0 -k ${d}/Packages`,
            `apt-ftparchive -o APT::FTPArchive::Release::Suite=stable -o APT::FTPArchive::Release::Codename=stable release dists/stable > Release.tmp && mv Release.tmp dists/stable/Release`,
            `gpg --homedir ${gnupg} --batch --yes --digest-algo SHA512 --clearsign -o dists/stable/InRelease dists/stable/Release`,
            `gpg --homedir ${gnupg} --batch --yes --digest-algo SHA512 -abs -o dists/stable/Release.gpg dists/stable/Release`,
          ].join(' && '),
          repoDir,
        ),
      );
    }
    const pipe = median(pipeTimes);
    console.log(
      `apt-ftparchive pipeline (packages, gzip -9, xz -6, release, gpg ×2): ${fmt(pipe)}   [${pipeTimes.map(fmt).join(', ')}]`,
    );
    console.log(
      `ratio releng index + publish / apt-ftparchive pipeline: ${(releng / pipe).toFixed(3)}×`,
    );
  } else {
    console.log('apt-ftparchive not installed (Debian package apt-utils): no comparison');
  }

  if (values['skip-incremental']) return;
  console.log(`\n# 2. Incremental: one package into a repository of ${BIG}`);
  const bigDebs = await makeDebs(path.join(WORK, `debs-${BIG}`), 'b', BIG);
  const extra = await makeDebs(path.join(WORK, 'debs-extra'), 'x', ADDS + 1);
  const bigRepo = path.join(WORK, 'big-repo');
  rmSync(bigRepo, { recursive: true, force: true });
  let t = now();
  const repo = await aptRepository(bigRepo, { suite: 'stable', architectures: ['amd64'] });
  await repo.add(bigDebs);
  await repo.publish({ signer });
  console.log(`  (built: add ${BIG} + publish in ${fmt(now() - t)})`);
  const addTimes: number[] = [];
  for (let i = 0; i < ADDS; i++) {
    t = now();
    const r = await aptRepository(bigRepo);
    await r.add([extra[i]!]);
    await r.publish({ signer });
    addTimes.push(now() - t);
  }
  console.log(
    `releng add 1 + publish (signed), in-process: median ${fmt(median(addTimes))}   [${addTimes.map(fmt).join(', ')}]   (target ≤ 0.2 s)`,
  );
  const removeTimes: number[] = [];
  for (let i = 0; i < Math.min(ADDS, 3); i++) {
    t = now();
    const r = await aptRepository(bigRepo);
    r.remove([path.basename(extra[i]!).split('_')[0]!]);
    await r.publish({ signer });
    removeTimes.push(now() - t);
  }
  console.log(
    `releng remove 1 + publish (signed), in-process: median ${fmt(median(removeTimes))}   [${removeTimes.map(fmt).join(', ')}]`,
  );
  // Through the CLI as users run it (bin/releng.mjs, with its compile cache):
  // a new Node process each time, start-up and module loading included.
  const cli = path.join(ROOT, 'bin/releng.mjs');
  const last = extra[ADDS]!;
  const name = path.basename(last).split('_')[0]!;
  const runCli = (args: string[]): number => {
    t = now();
    const r = spawnSync(NODE, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = now() - t;
    if (r.status !== 0) throw new Error(r.stderr.toString());
    return ms;
  };
  runCli(['repo', 'list', bigRepo]); // warms the compile cache
  const cliAdd: number[] = [];
  const cliRemove: number[] = [];
  for (let i = 0; i < Math.max(3, ADDS); i++) {
    cliAdd.push(runCli(['repo', 'add', bigRepo, last, '--key', keyFile]));
    cliRemove.push(runCli(['repo', 'remove', bigRepo, name, '--key', keyFile]));
  }
  console.log(
    `releng repo add 1 (signed publish) via the CLI, new process each: median ${fmt(median(cliAdd))}   [${cliAdd.map(fmt).join(', ')}]   (target ≤ 0.2 s)`,
  );
  console.log(
    `releng repo remove 1 (signed publish) via the CLI: median ${fmt(median(cliRemove))}   [${cliRemove.map(fmt).join(', ')}]`,
  );
}

await main();
