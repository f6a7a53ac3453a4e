import type { LintRule } from '../types.ts';
import { duplicateCheck } from './duplicates.ts';

/** pkglint.dupaction004: UIDs should be unique. */
export const duplicateUids: LintRule = {
  id: 'pkglint.dupaction004',
  description: 'UIDs should be unique.',
  check: duplicateCheck('pkglint.dupaction004', ['user'], 'uid', ['user']),
};
