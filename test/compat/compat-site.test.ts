// releng-tool's url-site, mirror, urlopen-context, patch and VCS tool tests
// (HTTP(S) servers on loopback, hg/cvs repositories, a throwaway GnuPG home)
// against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (sites, VCS tools, patches)', ['site', 'site-vcs']);
