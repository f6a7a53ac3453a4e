// releng-tool's url-site, mirror, urlopen-context and patch tests (HTTP(S)
// servers on loopback) against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (url sites, mirrors, patches)', ['site']);
