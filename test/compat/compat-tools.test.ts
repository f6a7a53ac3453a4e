// releng-tool's tool tests (make, cmake, meson, scons builds) against releng;
// see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (tool builds)', ['tools', 'git']);
