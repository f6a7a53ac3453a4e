// releng-tool's argument and pipeline cases against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (arguments, pipeline)', ['args', 'pipeline']);
