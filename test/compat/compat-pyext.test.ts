// releng-tool's network-isolation and Python-extension tests against
// releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (network isolation, extensions, registry)', [
  'pyext',
  'registry',
]);
