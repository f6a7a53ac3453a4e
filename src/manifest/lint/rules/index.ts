/** Every lint rule; add a rule with one module and one line here. */
import type { LintRule } from '../types.ts';
import { bogusDescription } from './bogus-description.ts';
import { duplicateGids } from './duplicate-gids.ts';
import { duplicateGroupnames } from './duplicate-groupnames.ts';
import { duplicatePaths } from './duplicate-paths.ts';
import { duplicateSets } from './duplicate-sets.ts';
import { duplicateUids } from './duplicate-uids.ts';
import { duplicateUsernames } from './duplicate-usernames.ts';
import { missingSummary } from './missing-summary.ts';
import { smfFmri } from './smf-fmri.ts';

export const LINT_RULES: readonly LintRule[] = [
  duplicateSets,
  bogusDescription,
  missingSummary,
  smfFmri,
  duplicatePaths,
  duplicateUsernames,
  duplicateUids,
  duplicateGroupnames,
  duplicateGids,
];
