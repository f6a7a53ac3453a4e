/**
 * A base root's content address: sha256 over what it is made of (suite,
 * sources, package list, variant, architecture) and the archive's state —
 * the signed InRelease of every source, whose checksums pin every index. The
 * same spec against an unchanged archive gives the same key, so `create`
 * reuses the cached base; a new archive state gives a new base.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { RelengError } from '../util/errors.ts';
import { maskCredentials } from '../util/redact.ts';
import type { RootSpec } from './types.ts';

/** Bumped when the way bases are made changes, so old bases are not reused. */
const RECIPE_VERSION = 'bwrap-overlay/1 mmdebstrap buildd keep-lists';

/** One APT source line as mmdebstrap takes it. */
export interface SourceLine {
  uri: string;
  suite: string;
  components: string[];
}

/** Every source of a spec: the mirror first, then the extra lines. */
export function specSources(spec: RootSpec): SourceLine[] {
  const out: SourceLine[] = [
    { uri: spec.mirror.replace(/\/+$/, ''), suite: spec.suite, components: spec.components },
  ];
  for (const line of spec.extraSources) out.push(parseSourceLine(line));
  return out;
}

/** Parses `deb URI SUITE COMPONENT…` (the `deb` word may be left out). */
export function parseSourceLine(line: string): SourceLine {
  const words = line.trim().split(/\s+/);
  if (words[0] === 'deb') words.shift();
  const [uri, suite, ...components] = words;
  if (!uri || !suite || !/^(https?|file):\/\//.test(uri) || /[\s[\]]/.test(suite))
    throw new RelengError(`invalid APT source "${maskCredentials(line)}"`, {
      hint: 'write it as "deb URI SUITE COMPONENT…", e.g. "deb http://deb.debian.org/debian-security bookworm-security main"',
    });
  return { uri: uri.replace(/\/+$/, ''), suite, components: components.length ? components : [] };
}

/** The one-line form mmdebstrap and sources.list take. */
export function sourceText(s: SourceLine): string {
  return `deb ${s.uri} ${s.suite}${s.components.length ? ` ${s.components.join(' ')}` : ''}`;
}

/** Reads a source's InRelease (or Release) from the archive. */
async function releaseFile(s: SourceLine): Promise<Buffer> {
  // A flat repository (`deb URI ./`) keeps its Release next to Packages.
  const base = s.suite.endsWith('/') ? `${s.uri}/${s.suite}` : `${s.uri}/dists/${s.suite}/`;
  let lastError = '';
  for (const file of ['InRelease', 'Release']) {
    const url = new URL(file, base.endsWith('/') ? base : `${base}/`);
    try {
      if (url.protocol === 'file:') return await readFile(fileURLToPath(url));
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (res.ok) return Buffer.from(await res.arrayBuffer());
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
  }
  throw new RelengError(
    `cannot read the archive state of ${maskCredentials(sourceText(s))}: ${lastError}`,
    {
      hint: 'check the mirror URL and suite, and that the archive is reachable from this machine',
    },
  );
}

/** The base's content address for `spec` against the archive as it is now. */
export async function baseKey(spec: RootSpec, arch: string): Promise<string> {
  const sources = specSources(spec);
  const releases = await Promise.all(sources.map(releaseFile));
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      recipe: RECIPE_VERSION,
      arch,
      sources: sources.map(sourceText),
      packages: [...new Set(spec.packages)].sort(),
    }),
  );
  for (const r of releases) h.update(createHash('sha256').update(r).digest('hex'));
  return h.digest('hex').slice(0, 32);
}
