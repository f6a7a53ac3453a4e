// The second half of releng-tool's project-option tests (test_prj_configs_*.py)
// against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (project options, continued)', ['prjcfg-more']);
