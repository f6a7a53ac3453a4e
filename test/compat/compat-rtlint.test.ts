// releng-tool's lint action (rules RT100–RT116, RT200, RT300) against
// releng; see compat.test.ts.
import { compatSuite } from './suite.ts';

compatSuite('releng-tool compatibility cases (lint)', ['rtlint']);
