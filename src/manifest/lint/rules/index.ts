/** Every lint rule; add a rule with one module and one line here. */
import type { LintRule } from '../types.ts';
import { bogusDescription } from './bogus-description.ts';
import { duplicatePaths } from './duplicate-paths.ts';
import { duplicateSets } from './duplicate-sets.ts';
import { missingSummary } from './missing-summary.ts';
import { smfFmri } from './smf-fmri.ts';

export const LINT_RULES: readonly LintRule[] = [
  duplicateSets,
  bogusDescription,
  missingSummary,
  smfFmri,
  duplicatePaths,
];
