// releng-tool's prerequisite, release-check, environment and command-line
// tests against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (prerequisites, release checks, CLI)', ['prjcfg-cli']);
