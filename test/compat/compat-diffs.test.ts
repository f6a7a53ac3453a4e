// Behaviour differences between releng-tool and releng once left open (the
// `diffs` group), against releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (closed differences)', ['diffs']);
