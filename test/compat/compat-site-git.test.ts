// releng-tool's git package-option tests (test_pkg_configs_git.py) against
// releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (git package options)', ['site-git']);
