// releng-tool's tests of the script helpers (test_util_*.py) against releng;
// see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (script helpers, remaining engine values)', [
  'helpers',
  'more',
]);
