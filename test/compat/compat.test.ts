// releng-tool's own test cases (re-expressed in cases/) against releng: the
// engine cases here, the others in the compat-*.test.ts files (split so each
// file stays well inside the per-test timeout). Fails when a case outside
// known-failures.txt fails, and when a listed case passes, so the list only
// shrinks. RELENG_COMPAT_IMPL=releng-tool=DIR checks the cases themselves
// against releng-tool (see docs/compatibility.md).
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (engine)', ['engine', 'engine2']);
