import type { LintRule } from '../types.ts';
import { duplicateCheck } from './duplicates.ts';

/** pkglint.dupaction005: Group names should be unique. */
export const duplicateGroupnames: LintRule = {
  id: 'pkglint.dupaction005',
  description: 'Group names should be unique.',
  check: duplicateCheck('pkglint.dupaction005', ['group'], 'groupname', ['group']),
};
