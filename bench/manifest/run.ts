/**
 * Benchmark: mogrify + lint of the ~300 vendored oi-userland manifests,
 * releng against the pkg(5) reference tools, the way a component build runs
 * them: pkgmogrify once per manifest (with the PUBLISH_TRANSFORMS and the
 * component macros), then pkglint over all the results; releng does the same
 * with `releng manifest mogrify -d` (one process for all manifests) and
 * `releng manifest lint`, and in batch mode (`--component` per component, one
 * process). The outputs are checked to be identical first.
 *
 *   node_modules/.bin/node bench/manifest/run.ts [--runs N]
 *
 * Needs the reference tools (bash scripts/setup-pkg5.sh).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLint } from '../../src/manifest/lint/engine.ts';
import { parseManifest } from '../../src/manifest/manifest.ts';
import { mogrify } from '../../src/manifest/mogrify.ts';
import { BIN } from '../../test/helpers.ts';
import {
  extractOiUserland,
  filesUnder,
  MACROS,
  PUBLISH_TRANSFORMS,
  pkg5Home,
  tool,
} from '../../test/manifest/reference.ts';

if (!pkg5Home()) {
  console.error('the pkg(5) reference tools are not built: run bash scripts/setup-pkg5.sh');
  process.exit(2);
}
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 3);
const oiu = extractOiUserland();
const files = filesUnder(oiu, '.p5m');
// The manifests the reference can lint (see test/manifest/lint.test.ts): no macro left in the FMRI,
// none of the two on which this pkg(5) commit's pkglint raises a TypeError.
const skip = ['history/driver-network-platform.p5m', 'nut/nut-bins.p5m'];
const macrosFor = (f: string): string[] => {
  const comp = f
    .split('/')
    .slice(1, -1)
    .filter((x) => x !== 'manifests')
    .join('/');
  return [
    ...MACROS,
    ['COMPONENT_FMRI', comp],
    ['COMPONENT_SUMMARY', `the ${comp} component`],
    ['COMPONENT_CLASSIFICATION', 'org.opensolaris.category.2008:Development/System'],
    ['COMPONENT_LICENSE', 'MIT'],
    ['COMPONENT_LICENSE_FILE', 'LICENSE'],
  ].flatMap(([k, v]) => ['-D', `${k}=${v}`]);
};
const manifests = files.filter((f) => !skip.some((s) => f.endsWith(s)));
// COMPONENT_FMRI differs per component, so releng runs once per distinct macro set: group by it.
const node = process.execPath;

function reference(out: string): number {
  mkdirSync(out, { recursive: true });
  const t0 = performance.now();
  const done: string[] = [];
  for (const f of manifests) {
    const r = spawnSync(
      tool('pkgmogrify'),
      ['-I', 'transforms', ...macrosFor(f), f, ...PUBLISH_TRANSFORMS],
      {
        cwd: oiu,
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    );
    if (r.status !== 0 || /pkg\.fmri value=\S*\$\(/.test(r.stdout)) continue;
    const name = `${f.replace(/\.p5m$/, '').replaceAll('/', '_')}.mogrified`;
    writeFileSync(join(out, name), r.stdout);
    done.push(name);
  }
  spawnSync(tool('pkglint'), done, { cwd: out, encoding: 'utf8', maxBuffer: 1 << 28 });
  return performance.now() - t0;
}

function ours(out: string): number {
  mkdirSync(out, { recursive: true });
  const t0 = performance.now();
  // One process per distinct set of macros (here: per component), all manifests of it at once.
  const groups = new Map<string, string[]>();
  for (const f of manifests) {
    const key = macrosFor(f).join('\0');
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [key, fs] of groups) {
    spawnSync(
      node,
      [
        BIN,
        'manifest',
        'mogrify',
        '-d',
        out,
        '-I',
        'transforms',
        ...key.split('\0'),
        ...PUBLISH_TRANSFORMS.flatMap((t) => ['-T', t]),
        ...fs,
      ],
      { cwd: oiu, encoding: 'utf8', maxBuffer: 1 << 28 },
    );
  }
  const done = readdirSync(out).filter(
    (n) => !/pkg\.fmri value=\S*\$\(/.test(readFileSync(join(out, n), 'utf8')),
  );
  spawnSync(node, [BIN, 'manifest', 'lint', ...done], {
    cwd: out,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return performance.now() - t0;
}

/** releng's batch mode: every component's mogrify in one `releng manifest mogrify --component …` process. */
function batch(out: string): number {
  mkdirSync(out, { recursive: true });
  const t0 = performance.now();
  const groups = new Map<string, string[]>();
  for (const f of manifests) {
    const key = macrosFor(f).join('\0');
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const argv = [BIN, 'manifest', 'mogrify', '-d', out, '-I', 'transforms'];
  argv.push(...PUBLISH_TRANSFORMS.flatMap((t) => ['-T', t]));
  for (const [key, fs] of groups) argv.push('--component', ...key.split('\0'), ...fs);
  spawnSync(node, argv, { cwd: oiu, encoding: 'utf8', maxBuffer: 1 << 28 });
  const done = readdirSync(out).filter(
    (n) => !/pkg\.fmri value=\S*\$\(/.test(readFileSync(join(out, n), 'utf8')),
  );
  spawnSync(node, [BIN, 'manifest', 'lint', ...done], {
    cwd: out,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return performance.now() - t0;
}

/** releng's library in this process: the whole build's mogrify and lint in one process. */
function inProcess(): number {
  const t0 = performance.now();
  const parsed = [];
  for (const f of manifests) {
    const d = macrosFor(f);
    const macros: [string, string][] = [];
    for (let i = 1; i < d.length; i += 2) {
      const kv = d[i] as string;
      const eq = kv.indexOf('=');
      macros.push([kv.slice(0, eq), kv.slice(eq + 1)]);
    }
    const r = mogrify([f, ...PUBLISH_TRANSFORMS], { cwd: oiu, includes: ['transforms'], macros });
    if (r.exit || /pkg\.fmri value=\S*\$\(/.test(r.output)) continue;
    parsed.push(parseManifest(r.output, f));
  }
  runLint(parsed);
  return performance.now() - t0;
}

const refDir = join(oiu, 'ref');
const ourDir = join(oiu, 'ours');
const batchDir = join(oiu, 'batch');
const tb: number[] = [];
const tr: number[] = [];
const to: number[] = [];
const ti: number[] = [];
for (let i = 0; i < runs; i++) {
  ti.push(inProcess());
  rmSync(refDir, { recursive: true, force: true });
  rmSync(ourDir, { recursive: true, force: true });
  tr.push(reference(refDir));
  to.push(ours(ourDir));
  rmSync(batchDir, { recursive: true, force: true });
  tb.push(batch(batchDir));
}
let same = 0;
for (const n of readdirSync(refDir)) {
  if (readFileSync(join(refDir, n), 'utf8') !== readFileSync(join(ourDir, n), 'utf8'))
    throw new Error(`${n} differs`);
  if (readFileSync(join(refDir, n), 'utf8') !== readFileSync(join(batchDir, n), 'utf8'))
    throw new Error(`${n} differs in batch mode`);
  same++;
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
console.log(`${manifests.length} manifests, ${same} mogrified outputs identical`);
console.log(
  `reference pkgmogrify x${manifests.length} + pkglint: ${(med(tr) / 1000).toFixed(2)} s (median of ${runs})`,
);
console.log(`releng manifest mogrify -d + lint:  ${(med(to) / 1000).toFixed(2)} s`);
console.log(`ratio: ${(med(to) / med(tr)).toFixed(3)}x`);
console.log(
  `releng manifest mogrify --component x${manifests.length} (one process) + lint: ${(med(tb) / 1000).toFixed(2)} s, ratio ${(med(tb) / med(tr)).toFixed(3)}x`,
);
console.log(
  `releng library, one process for the whole build: ${(med(ti) / 1000).toFixed(2)} s, ratio ${(med(ti) / med(tr)).toFixed(3)}x`,
);
rmSync(oiu, { recursive: true, force: true });
