// releng-tool's git, mercurial, cvs and gpg tool tests (real repositories and
// a throwaway GnuPG home) against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (git, hg, cvs, gpg tools)', ['site-vcs']);
