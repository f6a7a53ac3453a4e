import type { LintRule } from '../types.ts';
import { duplicateCheck } from './duplicates.ts';

// pkg(5)'s own gid check looks at the `name` attribute, which group actions do not have, so it never
// reports; this one checks `gid` as intended.

/** pkglint.dupaction006: GIDs should be unique. */
export const duplicateGids: LintRule = {
  id: 'pkglint.dupaction006',
  description: 'GIDs should be unique.',
  check: duplicateCheck('pkglint.dupaction006', ['group'], 'gid', ['group']),
};
