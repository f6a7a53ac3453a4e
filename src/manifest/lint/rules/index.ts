/** Every lint rule; add a rule with one module and one line here. */
import type { LintRule } from '../types.ts';
import { bogusDescription } from './bogus-description.ts';
import { duplicateGids } from './duplicate-gids.ts';
import { duplicateGroupnames } from './duplicate-groupnames.ts';
import { duplicatePaths } from './duplicate-paths.ts';
import { duplicateSets } from './duplicate-sets.ts';
import { duplicateUids } from './duplicate-uids.ts';
import { duplicateUsernames } from './duplicate-usernames.ts';
import { facetValue } from './facet-value.ts';
import { infoClassification } from './info-classification.ts';
import { missingSummary } from './missing-summary.ts';
import { obsoleteDependency } from './obsolete-dependency.ts';
import { protoFiles } from './proto-files.ts';
import { renames } from './renames.ts';
import { smfFmri } from './smf-fmri.ts';
import { validFmri } from './valid-fmri.ts';
import { variants } from './variants.ts';

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
  renames,
  variants,
  infoClassification,
  obsoleteDependency,
  validFmri,
  facetValue,
  protoFiles,
];
