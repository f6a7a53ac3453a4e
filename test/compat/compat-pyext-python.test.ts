// releng-tool's Python front-end (poetry, pdm, hatch) and host-tool builds
// against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (Python front-ends, host tools)', ['pyext-python']);
