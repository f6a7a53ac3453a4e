// releng-tool's Python installer option tests (PYTHON_DIST_PATH,
// PYTHON_INSTALLER_INTERPRETER, PYTHON_INSTALLER_LAUNCHER_KIND) against
// releng, as real builds and installs; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (Python installer options)', ['pyopts']);
