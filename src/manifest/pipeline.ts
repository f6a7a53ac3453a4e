/**
 * The Userland packaging pipeline (seed: ips-manifest-pipeline.txt) for a set
 * of canonical manifests, each step writing the seed's intermediate file in
 * the build folder and skipped when its inputs are unchanged:
 *
 * ```
 * <name>.p5m → manifest-<name>.mogrified → manifest-<name>.mangled → manifest-<name>.depend
 *            → manifest-<name>.depend.res (all resolved together) → .linted
 *            → manifest-<name>.published → published into the repository (.published)
 * ```
 *
 * Skipping compares a SHA-256 of each step's inputs (texts, options, proto
 * files) with the one recorded in `<build>/.pipeline-state.json`, written
 * atomically after each step, so a run killed midway redoes only what did
 * not finish.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve as resolvePath } from 'node:path';
import { RelengError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';
import { actionToString, attr } from './action.ts';
import { readPackageLists, repositoryManifests } from './depend/external.ts';
import { generateDepends, generatedLines } from './depend/generate.ts';
import { resolveDepends } from './depend/resolve.ts';
import { SMF_LOCATIONS, smfSources } from './depend/smf.ts';
import { pyLines } from './format.ts';
import { atLeast, formatLintMessage, runLint } from './lint/engine.ts';
import { mangleManifest } from './mangle.ts';
import { type Manifest, parseManifest } from './manifest.ts';
import { mogrify } from './mogrify.ts';
import { findProtoFile } from './proto.ts';
import { publishManifest, refreshSearchIndexes } from './publish/repository.ts';
import { type IpsSigner, signerKey } from './publish/sign.ts';

/** What the pipeline runs with. */
export interface PipelineOptions {
  /** Where the intermediate files go. */
  buildDir: string;
  /** Proto areas holding the installed files. */
  protoDirs: readonly string[];
  /** pkgmogrify macros, include folders and the transforms read after each manifest. */
  macros?: ReadonlyArray<readonly [string, string]>;
  includes?: readonly string[];
  transforms?: readonly string[];
  /** Folder relative names are read from (default process.cwd()). */
  cwd?: string;
  /** The repository to publish into; no publishing without it. */
  repository?: string;
  publisher?: string;
  /** A pkg(5) repository whose packages resolve what the build's own do not (pkgdepend's image). */
  resolveRepository?: string;
  /** The seed's resolve.deps lists: only these repository packages are looked at (`-e`). */
  resolveLists?: readonly string[];
  /** Warnings fail lint too. */
  werror?: boolean;
  /** Signs what publish publishes (pkgsign's signature action). */
  signer?: IpsSigner;
  /**
   * Repositories whose search index the caller rebuilds later (batch mode: once
   * for all components, not once per component); without it, the run does.
   */
  deferSearchIndex?: Set<string>;
}

/** What a run did: each step and whether it ran or was skipped. */
export interface PipelineReport {
  steps: { step: string; target: string; ran: boolean }[];
  lint: string[];
}

type State = Record<string, string>;

const sha = (parts: readonly (string | Uint8Array)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(typeof p === 'string' ? p : Buffer.from(p));
    h.update('\0');
  }
  return h.digest('hex');
};

/** The mogrified text as the Userland makefiles keep it: no blank or comment lines, no repeats. */
function tidy(text: string): string {
  const out: string[] = [];
  for (const l of pyLines(text)) {
    const t = l.replace(/\n$/, '');
    if (t === '' || t.startsWith('#')) continue;
    if (out[out.length - 1] !== t) out.push(t);
  }
  return out.map((l) => `${l}\n`).join('');
}

/** Runs the pipeline. */
export async function runPipeline(
  manifests: readonly string[],
  o: PipelineOptions,
): Promise<PipelineReport> {
  const cwd = o.cwd ?? process.cwd();
  const statePath = join(o.buildDir, '.pipeline-state.json');
  const state: State = existsSync(statePath)
    ? (JSON.parse(await readFile(statePath, 'utf8')) as State)
    : {};
  const report: PipelineReport = { steps: [], lint: [] };
  const step = async (
    name: string,
    target: string,
    inputs: string,
    make: () => Promise<string | undefined>,
  ) => {
    const key = `${name}:${basename(target)}`;
    if (state[key] === inputs && existsSync(target)) {
      report.steps.push({ step: name, target, ran: false });
      return;
    }
    const text = await make();
    if (text !== undefined) await writeFileAtomic(target, text);
    state[key] = inputs;
    await writeFileAtomic(statePath, `${JSON.stringify(state, null, 1)}\n`);
    report.steps.push({ step: name, target, ran: true });
  };
  const names = manifests.map((m) => basename(m).replace(/\.p5m$/, ''));
  if (new Set(names).size !== names.length) {
    throw new RelengError(
      'two manifests have the same name; their intermediate files would collide',
      {
        hint: 'give the canonical manifests distinct file names',
      },
    );
  }
  const transformTexts = await Promise.all(
    (o.transforms ?? []).map((t) => readFile(join(cwd, t), 'utf8').catch(() => '')),
  );
  const macroKey = JSON.stringify([o.macros ?? [], o.includes ?? [], o.transforms ?? []]);
  const depends: { name: string; file: string; payloads: string[] }[] = [];
  let smfKey: string | undefined;

  for (let i = 0; i < manifests.length; i++) {
    const src = manifests[i] as string;
    const name = names[i] as string;
    const mog = join(o.buildDir, `manifest-${name}.mogrified`);
    const srcText = await readFile(join(cwd, src), 'utf8');
    await step('mogrify', mog, sha([srcText, macroKey, ...transformTexts]), async () => {
      const r = mogrify([src, ...(o.transforms ?? [])], {
        cwd,
        ...(o.macros ? { macros: o.macros } : {}),
        ...(o.includes ? { includes: o.includes } : {}),
      });
      if (r.exit)
        throw new RelengError(
          `${src}: a transform ended mogrify with exit ${r.exit.code}: ${r.exit.message ?? ''}`,
          { file: src },
        );
      return tidy(r.output);
    });
    const mogText = await readFile(mog, 'utf8');
    const mogManifest = parseManifest(mogText, mog);
    // The proto files the manifest delivers are inputs of generate.
    const payloads: string[] = [];
    for (const { action, line } of mogManifest.actions) {
      if (action.name !== 'file') continue;
      const rel =
        action.hash && action.hash !== 'NOHASH' ? action.hash : (attr(action, 'path') ?? '');
      const local = findProtoFile(o.protoDirs, rel, { file: mog, line });
      payloads.push(rel, local ? sha([await readFile(local)]) : 'missing');
    }
    const mangled = join(o.buildDir, `manifest-${name}.mangled`);
    const protoKey = sha([...o.protoDirs, ...payloads]);
    // An SMF manifest's dependencies come from every manifest of the machine and the proto areas.
    const deliversSmf = mogManifest.actions.some(
      ({ action }) =>
        action.name === 'file' &&
        SMF_LOCATIONS.some((l) => (attr(action, 'path') ?? '').startsWith(l)),
    );
    if (deliversSmf) smfKey ??= sha(smfSources(o.protoDirs).flat());
    const genKey = deliversSmf ? sha([protoKey, smfKey as string]) : protoKey;
    await step('mangle', mangled, sha([mogText, protoKey]), async () => {
      const actions = await mangleManifest(mogManifest, { protoDirs: o.protoDirs });
      return actions.map((a) => `${actionToString(a)}\n`).join('');
    });
    const mangledText = await readFile(mangled, 'utf8');
    const dep = join(o.buildDir, `manifest-${name}.depend`);
    await step('generate', dep, sha([mangledText, genKey]), async () => {
      const r = await generateDepends(parseManifest(mangledText, mangled), {
        protoDirs: o.protoDirs,
      });
      if (r.errors.length > 0) throw r.errors[0];
      return mangledText + generatedLines(r);
    });
    depends.push({ name, file: dep, payloads });
  }

  const depTexts = await Promise.all(depends.map((d) => readFile(d.file, 'utf8')));
  // The repository's catalogs and the lists are inputs too: a package published there changes what resolves.
  const lists = (o.resolveLists ?? []).map((l) => resolvePath(cwd, l));
  const extKey: string[] = [];
  if (o.resolveRepository) {
    const repo = resolvePath(cwd, o.resolveRepository);
    extKey.push(repo, ...lists);
    for (const l of lists) extKey.push(await readFile(l, 'utf8').catch(() => 'missing'));
    const pubRoot = join(repo, 'publisher');
    for (const pub of existsSync(pubRoot) ? readdirSync(pubRoot).sort() : [])
      extKey.push(
        await readFile(join(pubRoot, pub, 'catalog', 'catalog.base.C'), 'utf8').catch(() => ''),
      );
  }
  const resInputs = sha([...depTexts, ...extKey]);
  const parsedDeps: Manifest[] = depTexts.map((t, i) =>
    parseManifest(t, (depends[i] as { file: string }).file),
  );
  let resolved: ReturnType<typeof resolveDepends> | undefined;
  for (let i = 0; i < depends.length; i++) {
    const d = depends[i] as { name: string; file: string };
    await step('resolve', `${d.file}.res`, resInputs, async () => {
      if (!resolved) {
        if (lists.length > 0 && !o.resolveRepository)
          throw new RelengError('resolve lists (-e) limit a repository: give it with -r', {
            hint: 'add -r REPO, or leave -e out',
          });
        const external = o.resolveRepository
          ? await repositoryManifests(
              resolvePath(cwd, o.resolveRepository),
              lists.length > 0 ? await readPackageLists(lists) : undefined,
            )
          : [];
        resolved = resolveDepends(parsedDeps, external);
      }
      const r = resolved[i] as (typeof resolved)[number];
      if (r.errors.length > 0) throw r.errors[0];
      const kept = pyLines(depTexts[i] as string).filter((l) => !/^depend[ \t]/.test(l));
      return kept.join('') + r.depends.map((a) => `${actionToString(a)}\n`).join('');
    });
  }

  const resTexts = await Promise.all(depends.map((d) => readFile(`${d.file}.res`, 'utf8')));
  const resManifests = resTexts.map((t, i) =>
    parseManifest(t, `${(depends[i] as { file: string }).file}.res`),
  );
  await step(
    'lint',
    join(o.buildDir, '.linted'),
    sha([...resTexts, String(o.werror ?? false), ...depends.flatMap((d) => d.payloads)]),
    async () => {
      const msgs = runLint(resManifests, undefined, { protoDirs: o.protoDirs });
      const lines = msgs.map(formatLintMessage);
      report.lint = lines;
      const failing = msgs.filter((m) => atLeast(m, o.werror ? 'WARNING' : 'ERROR'));
      if (failing.length > 0) {
        throw new RelengError(
          `lint found ${failing.length} problem${failing.length === 1 ? '' : 's'}:\n${lines.join('\n')}`,
          {
            file: (failing[0] as { file: string }).file,
            hint: 'fix the manifests (or mark a deliberate case with pkg.linted.<id>=true)',
          },
        );
      }
      return `${lines.join('\n')}${lines.length ? '\n' : ''}`;
    },
  );

  if (o.repository) {
    const repo = o.repository;
    for (let i = 0; i < depends.length; i++) {
      const d = depends[i] as { name: string; file: string; payloads: string[] };
      const inputs = sha([
        resTexts[i] as string,
        repo,
        o.publisher ?? '',
        signerKey(o.signer),
        ...d.payloads,
      ]);
      await step('publish', join(o.buildDir, `manifest-${d.name}.published`), inputs, async () => {
        await publishManifest(repo, resManifests[i] as Manifest, {
          protoDirs: o.protoDirs,
          ...(o.publisher ? { publisher: o.publisher } : {}),
          ...(o.signer ? { signer: o.signer } : {}),
        });
        return resTexts[i];
      });
    }
    if (report.steps.some((st) => st.step === 'publish' && st.ran)) {
      if (o.deferSearchIndex) o.deferSearchIndex.add(repo);
      else await refreshSearchIndexes(repo);
    }
  }
  return report;
}
