import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';
import { brzSite } from './brz.ts';
import { cvsSite } from './cvs.ts';
import { fileSite } from './file.ts';
import { gitSite } from './git.ts';
import { hgSite } from './hg.ts';
import { localSite } from './local.ts';
import { noneSite } from './none.ts';
import { rsyncSite } from './rsync.ts';
import { scpSite } from './scp.ts';
import { svnSite } from './svn.ts';
import type { SiteType } from './types.ts';
import { urlSite } from './url.ts';

/** Every site type releng knows, in detection order. */
const SITE_TYPES: SiteType[] = [
  noneSite,
  localSite,
  fileSite,
  gitSite,
  urlSite,
  hgSite,
  svnSite,
  brzSite,
  cvsSite,
  scpSite,
  rsyncSite,
];

/** Site types later issues add; named so a project using one gets an honest error. */
const PLANNED: Record<string, (site: string) => boolean> = {
  perforce: (s) => s.startsWith('p4+') || s.startsWith('perforce+'),
};

/** Adds a site type (used by extensions). */
export function registerSiteType(type: SiteType): void {
  SITE_TYPES.push(type);
}

/** The VCS type of a site when none is given explicitly. */
export function detectVcsType(site: string | undefined): string {
  if (site === undefined || site === '') return 'none';
  for (const type of SITE_TYPES) if (type.detect?.(site)) return type.name;
  for (const [name, detect] of Object.entries(PLANNED)) if (detect(site)) return name;
  return 'url';
}

/** The implementation of a VCS type, or a clear error. */
export function siteType(vcsType: string, pkg: string, file?: string): SiteType {
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
