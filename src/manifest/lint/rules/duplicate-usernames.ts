import type { LintRule } from '../types.ts';
import { duplicateCheck } from './duplicates.ts';

/** pkglint.dupaction003: User names should be unique. */
export const duplicateUsernames: LintRule = {
  id: 'pkglint.dupaction003',
  description: 'User names should be unique.',
  check: duplicateCheck('pkglint.dupaction003', ['user'], 'username', ['user']),
};
