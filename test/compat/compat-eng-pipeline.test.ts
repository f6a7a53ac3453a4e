// releng-tool's pipeline unit tests (script flags, extraction, hashes,
// licenses, SPDX, SBOM, support helpers) against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (pipeline units)', ['eng-pipeline']);
