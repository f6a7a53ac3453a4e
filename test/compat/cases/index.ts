// Every compatibility case, by case file. A new case file is one import and
// one line in CASE_GROUPS; a test file under test/compat runs a few groups.
import type { Case } from '../lib.ts';
import { argsCases } from './args.ts';
import { diffsCases } from './diffs.ts';
import { engCases } from './eng.ts';
import { engCleanCases } from './eng-clean.ts';
import { engPipelineCases } from './eng-pipeline.ts';
import { engineCases } from './engine.ts';
import { engine2Cases } from './engine2.ts';
import { gitCases } from './git.ts';
import { helperCases } from './helpers.ts';
import { moreCases } from './more.ts';
import { pipelineCases } from './pipeline.ts';
import { pkgcfgCases } from './pkgcfg.ts';
import { pkgcfg2Cases } from './pkgcfg2.ts';
import { prjcfgCases, prjcfgMoreCases } from './prjcfg.ts';
import { prjcfgCliCases } from './prjcfg-cli.ts';
import { pyextCases } from './pyext.ts';
import { pyextPythonCases } from './pyext-python.ts';
import { pyoptsCases } from './pyopts.ts';
import { pythonCases } from './python.ts';
import { registryCases } from './registry.ts';
import { rtlintCases } from './rtlint.ts';
import { siteCases } from './site.ts';
import { siteGitCases } from './site-git.ts';
import { siteVcsCases } from './site-vcs.ts';
import { toolCases } from './tools.ts';

/** The cases of each case file, keyed by the file's name. */
export const CASE_GROUPS: Record<string, Case[]> = {
  engine: engineCases,
  args: argsCases,
  engine2: engine2Cases,
  pipeline: pipelineCases,
  tools: toolCases,
  git: gitCases,
  python: pythonCases,
  eng: engCases,
  'eng-pipeline': engPipelineCases,
  'eng-clean': engCleanCases,
  prjcfg: prjcfgCases,
  'prjcfg-more': prjcfgMoreCases,
  'prjcfg-cli': prjcfgCliCases,
  'pyext-python': pyextPythonCases,
  pyext: pyextCases,
  helpers: helperCases,
  rtlint: rtlintCases,
  more: moreCases,
  registry: registryCases,
  site: siteCases,
  'site-vcs': siteVcsCases,
  'site-git': siteGitCases,
  pkgcfg: pkgcfgCases,
  pkgcfg2: pkgcfg2Cases,
  pyopts: pyoptsCases,
  diffs: diffsCases,
};

export const ALL_CASES: Case[] = Object.values(CASE_GROUPS).flat();

const seen = new Set<string>();
for (const c of ALL_CASES) {
  if (seen.has(c.name)) throw new Error(`duplicate compatibility case ${c.name}`);
  seen.add(c.name);
}
