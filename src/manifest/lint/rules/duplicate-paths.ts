import type { LintRule } from '../types.ts';
import { duplicateCheck } from './duplicates.ts';

/** pkglint.dupaction001: a file path delivered twice (by one package or several) where both can be installed. */
export const duplicatePaths: LintRule = {
  id: 'pkglint.dupaction001',
  description: 'Paths should be unique.',
  check: duplicateCheck('pkglint.dupaction001', ['file', 'license'], 'path'),
};
