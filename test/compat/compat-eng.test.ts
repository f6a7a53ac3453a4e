// releng-tool's engine and pipeline unit tests (package types, stage flags,
// extraction, hashes, licenses, SBOM) against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (engine and pipeline units)', [
  'eng',
  'eng-pipeline',
  'eng-clean',
]);
