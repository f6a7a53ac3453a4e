// releng-tool's Python tool tests (setuptools, distutils, flit, PEP 517 builds
// with both install schemes) against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (Python builds)', ['python']);
