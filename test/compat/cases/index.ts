// Every compatibility case, one import per case file.
import type { Case } from '../lib.ts';
import { argsCases } from './args.ts';
import { engineCases } from './engine.ts';
import { engine2Cases } from './engine2.ts';
import { gitCases } from './git.ts';
import { pipelineCases } from './pipeline.ts';
import { pythonCases } from './python.ts';
import { toolCases } from './tools.ts';

export const ALL_CASES: Case[] = [
  ...engineCases,
  ...argsCases,
  ...engine2Cases,
  ...pipelineCases,
  ...toolCases,
  ...gitCases,
  ...pythonCases,
];

const seen = new Set<string>();
for (const c of ALL_CASES) {
  if (seen.has(c.name)) throw new Error(`duplicate compatibility case ${c.name}`);
  seen.add(c.name);
}
