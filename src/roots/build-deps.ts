/**
 * Debian build dependencies as a cached layer: resolved offline against the
 * APT lists the base was made with (`apt-get -s satisfy`), installed once
 * with the network on into an overlay whose upper folder is kept as a layer
 * keyed by the base and the resolved `name=version` set. A second build
 * needing the same set starts on that layer without apt; the build itself
 * runs with the network off.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RelengError } from '../util/errors.ts';
import { execCaptured, failed } from './run.ts';
import { defaultRootEnv } from './sandbox.ts';
import type { RootBackend, RootInfo } from './types.ts';

/** The packages apt would install, as `name=version`, sorted. */
export function parseSimulation(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+)/.exec(line);
    if (m) out.push(`${m[1]}=${m[2]}`);
  }
  return out.sort();
}

/** The dependencies apt says it cannot satisfy, from its error output. */
export function unmetDependencies(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m =
      /Depends: (.+?) but (?:it is not installable|it is not going to be installed|[^ ]+ is to be installed)/.exec(
        line,
      );
    if (m) out.add(m[1]!.trim());
    const u = /^E: Unable to locate package (\S+)/.exec(line);
    if (u) out.add(u[1]!);
  }
  return [...out];
}

/** Result of {@link buildDepsLayer}. */
export interface DepsLayer {
  /** The layer's path, or undefined when the base already satisfies everything. */
  layer?: string;
  /** What was resolved (`name=version`). */
  packages: string[];
  /** Whether the layer came from the cache. */
  cached: boolean;
}

/**
 * Resolves and, when needed, installs `depends` (a Build-Depends value) into
 * a cached layer over `root`'s base. A dependency the archive cannot satisfy
 * fails naming it.
 */
export async function buildDepsLayer(
  backend: RootBackend,
  root: RootInfo,
  cacheDir: string,
  depends: string,
  label: string,
  log: (line: string) => void,
): Promise<DepsLayer> {
  if (depends.trim() === '') return { packages: [], cached: true };
  const env = defaultRootEnv();
  const sim = await execCaptured(backend, root.name, {
    command: ['apt-get', '-s', '-q', '--no-install-recommends', 'satisfy', depends],
    env,
  });
  if (sim.code !== 0) {
    const unmet = unmetDependencies(`${sim.stdout}\n${sim.stderr}`);
    if (unmet.length)
      throw new RelengError(
        `${label}: missing build dependenc${unmet.length > 1 ? 'ies' : 'y'}: ${unmet.join(', ')}`,
        {
          hint: `the archive of root "${root.name}" (${root.spec.suite}) has no installable ${unmet.join(', ')}: add the repository that has it (releng root create ${root.name} --source "deb URI SUITE COMP"), or run releng root update ${root.name} if the archive changed`,
          logTail: sim.stderr.split('\n').filter(Boolean).slice(-10),
        },
      );
    failed(`${label}: resolving build dependencies`, sim);
  }
  const packages = parseSimulation(sim.stdout);
  if (packages.length === 0) return { packages, cached: true };
  const key = createHash('sha256')
    .update(`${root.key}\n${packages.join('\n')}`)
    .digest('hex')
    .slice(0, 32);
  const layer = path.join(cacheDir, 'layers', key);
  if (existsSync(layer)) return { layer, packages, cached: true };
  log(`${label}: installing ${packages.length} build dependencies into layer ${key}`);
  const install = await execCaptured(backend, root.name, {
    command: [
      'sh',
      '-c',
      // Downloads go through _apt; the cache is emptied so the layer holds only the installed files.
      'apt-get -q -y --no-install-recommends satisfy "$1" && apt-get clean && rm -f /var/cache/apt/*.bin',
      'sh',
      depends,
    ],
    network: true,
    env,
    keepUpperAs: layer,
    onOutput: (c) => {
      for (const l of c.toString().split('\n')) if (l.trim()) log(l);
    },
  });
  if (install.code !== 0)
    failed(
      `${label}: installing build dependencies`,
      install,
      `check that the archive is reachable; if it moved on since the base was made, run releng root update ${root.name}`,
    );
  // Which base the layer belongs to: it is removed with that base.
  await writeFile(`${layer}.base`, `${root.key}\n`);
  return { layer, packages, cached: false };
}
