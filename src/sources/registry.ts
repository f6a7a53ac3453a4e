import { RelengError } from '../util/errors.ts';
import { once } from '../util/once.ts';
import { didYouMean } from '../util/suggest.ts';
import type { SiteInfo, SiteOperations, SiteType } from './types.ts';

/** A site type as the registry holds it: its info, and its implementation loaded on first use. */
export interface RegisteredSite extends SiteInfo {
  load(): Promise<SiteOperations>;
}

/**
 * Every site type releng knows, in detection order: one line each. The
 * implementations are imported only when a package of that type fetches or
 * extracts (a run whose sources are all there loads none of them).
 */
const SITE_TYPES: RegisteredSite[] = [
  { name: 'none', hasSources: false, load: once(async () => (await import('./none.ts')).noneSite) },
  {
    name: 'local',
    hasSources: true,
    detect: (site) => site === 'local',
    load: once(async () => (await import('./local.ts')).localSite),
  },
  {
    name: 'file',
    hasSources: true,
    detect: (site) => site.startsWith('file+') || site.startsWith('file://'),
    load: once(async () => (await import('./file.ts')).fileSite),
  },
  {
    name: 'git',
    hasSources: true,
    tools: ['git'],
    detect: (site) =>
      site.startsWith('git+') || (/\.git\/?$/.test(site) && !/^[A-Za-z0-9]+\+/.test(site)),
    load: once(async () => (await import('./git.ts')).gitSite),
  },
  { name: 'url', hasSources: true, load: once(async () => (await import('./url.ts')).urlSite) },
  {
    name: 'hg',
    aliases: ['mercurial'],
    hasSources: true,
    tools: ['hg'],
    detect: (site) => site.startsWith('hg+'),
    load: once(async () => (await import('./hg.ts')).hgSite),
  },
  {
    name: 'svn',
    aliases: ['subversion'],
    hasSources: true,
    tools: ['svn', 'tar', 'gzip'],
    detect: (site) => site.startsWith('svn+'),
    load: once(async () => (await import('./svn.ts')).svnSite),
  },
  {
    name: 'brz',
    aliases: ['bzr', 'bazaar', 'breezy'],
    hasSources: true,
    tools: ['brz', 'tar', 'gzip'],
    detect: (site) => site.startsWith('brz+') || site.startsWith('bzr+'),
    load: once(async () => (await import('./brz.ts')).brzSite),
  },
  {
    name: 'cvs',
    hasSources: true,
    tools: ['cvs', 'tar', 'gzip'],
    // as releng-tool: a CVSROOT with any of CVS's access methods is a cvs site
    detect: (site) =>
      site.startsWith('cvs+') ||
      [':pserver:', ':ext:', ':extssh:', ':gserver:', ':kserver:'].some((m) =>
        site.toLowerCase().startsWith(m),
      ),
    load: once(async () => (await import('./cvs.ts')).cvsSite),
  },
  {
    name: 'lore',
    hasSources: true,
    tools: ['lore', 'tar', 'gzip'],
    detect: (site) => site.startsWith('lore+') || site.startsWith('lore://'),
    load: once(async () => (await import('./lore.ts')).loreSite),
  },
  {
    name: 'scp',
    hasSources: true,
    tools: ['scp'],
    detect: (site) => site.startsWith('scp+'),
    load: once(async () => (await import('./scp.ts')).scpSite),
  },
  {
    name: 'rsync',
    hasSources: true,
    tools: ['rsync', 'tar', 'gzip'],
    detect: (site) => site.startsWith('rsync+'),
    load: once(async () => (await import('./rsync.ts')).rsyncSite),
  },
];

/** Site types later issues add; named so a project using one gets an honest error. */
const PLANNED: Record<string, (site: string) => boolean> = {
  perforce: (s) => s.startsWith('p4+') || s.startsWith('perforce+'),
};

/** Adds a site type (used by extensions). */
export function registerSiteType(type: SiteType): void {
  SITE_TYPES.push({ ...type, load: async () => type });
}

/** The VCS type of a site when none is given explicitly. */
export function detectVcsType(site: string | undefined): string {
  if (site === undefined || site === '') return 'none';
  for (const type of SITE_TYPES) if (type.detect?.(site)) return type.name;
  for (const [name, detect] of Object.entries(PLANNED)) if (detect(site)) return name;
  return 'url';
}

/** The registered site type of a VCS type (implementation not loaded), or a clear error. */
export function siteType(vcsType: string, pkg: string, file?: string): RegisteredSite {
  const found = SITE_TYPES.find((t) => t.name === vcsType || t.aliases?.includes(vcsType));
  if (found) return found;
  const known = [...SITE_TYPES.map((t) => t.name), ...Object.keys(PLANNED)];
  if (vcsType in PLANNED) {
    throw new RelengError(`site type "${vcsType}" of package "${pkg}" is not implemented yet`, {
      pkg,
      file,
      hint: `supported site types: ${SITE_TYPES.map((t) => t.name).join(', ')}`,
    });
  }
  throw new RelengError(
    `unknown site type "${vcsType}" for package "${pkg}"${didYouMean(vcsType, known)}`,
    {
      pkg,
      file,
    },
  );
}
