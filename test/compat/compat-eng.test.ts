// releng-tool's engine unit tests (package types, clean failures) against
// releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (engine units)', ['eng', 'eng-clean']);
