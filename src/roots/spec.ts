/** A root spec from the command line or from a project's `roots` section, checked. */
import { RelengError } from '../util/errors.ts';
import { parseSourceLine } from './archive.ts';
import type { RootSpec } from './types.ts';

/** A root as a project's `roots` section declares it (every key optional). */
export interface RootConfig {
  /** Distribution suite (default `bookworm`). */
  suite?: string;
  /** Archive URL (default `http://deb.debian.org/debian`). */
  mirror?: string;
  /** Components (default `['main']`). */
  components?: string[];
  /** Extra APT source lines (`deb URI SUITE COMPONENT…`). */
  sources?: string[];
  /** Packages added to the buildd variant (e.g. `['rpm', 'file']`). */
  include?: string[];
  /** Debian architecture (default: the host's). */
  arch?: string;
}

const PACKAGE = /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?$/;
const WORD = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Fills the defaults and checks every field; `where` names the origin in errors. */
export function makeSpec(c: RootConfig, where: string, file?: string): RootSpec {
  const bad = (what: string, hint: string): never => {
    throw new RelengError(`${where}: ${what}`, { hint, ...(file ? { file } : {}) });
  };
  const spec: RootSpec = {
    suite: c.suite ?? 'bookworm',
    mirror: c.mirror ?? 'http://deb.debian.org/debian',
    components: c.components ?? ['main'],
    extraSources: c.sources ?? [],
    packages: (c.include ?? []).flatMap((v) => v.split(/[,\s]+/).filter(Boolean)),
  };
  if (c.arch !== undefined) spec.arch = c.arch;
  if (!WORD.test(spec.suite)) bad(`invalid suite "${spec.suite}"`, 'e.g. bookworm');
  if (!/^(https?|file):\/\/\S+$/.test(spec.mirror))
    bad(`invalid mirror "${spec.mirror}"`, 'an http(s):// or file:// archive URL');
  for (const comp of spec.components)
    if (!WORD.test(comp)) bad(`invalid component "${comp}"`, 'e.g. main');
  for (const p of spec.packages)
    if (!PACKAGE.test(p)) bad(`invalid package name "${p}"`, 'Debian package names, e.g. rpm,file');
  if (spec.arch !== undefined && !/^[a-z0-9-]+$/.test(spec.arch))
    bad(`invalid architecture "${spec.arch}"`, 'e.g. amd64');
  for (const line of spec.extraSources) parseSourceLine(line);
  return spec;
}
