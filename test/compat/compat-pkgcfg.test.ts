// releng-tool's package-definition option tests (test_pkg_configs*.py)
// against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (package options)', ['pkgcfg']);
