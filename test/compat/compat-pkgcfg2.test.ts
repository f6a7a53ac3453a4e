// More of releng-tool's package-definition option tests (package and
// install types, fetch options, extraction) against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (package options, builds)', ['pkgcfg2']);
