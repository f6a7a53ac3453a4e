import { join, resolve } from 'node:path';
import { RelengError } from '../util/errors.ts';
import { firstFile } from '../util/fs.ts';
import { NATIVE_CONFIG_NAMES } from './config-names.ts';
import { RELENG_TOOL_CONFIG_NAMES } from './releng-tool/names.ts';

const NATIVE_EXT = /\.(?:[cm]?[jt]s)$/;

/**
 * The files `--config FILE` may name, in order: as releng-tool, FILE is
 * relative to the working folder (not the root) and `.rt`, then `.py`, is
 * added before FILE itself is tried; a native (`.ts`/`.js`) name is taken as is.
 */
export function explicitConfigCandidates(explicit: string, cwd = process.cwd()): string[] {
  const file = resolve(cwd, explicit);
  return NATIVE_EXT.test(file) ? [file] : [`${file}.rt`, `${file}.py`, file];
}

/** A project's configuration file and the format its name says. */
export interface FoundConfig {
  file: string;
  format: 'native' | 'releng-tool';
}

/** Finds the project's configuration file and its format. */
export async function findConfig(root: string, explicit?: string): Promise<FoundConfig> {
  // --config FILE: its format follows its name
  if (explicit !== undefined) {
    const candidates = explicitConfigCandidates(explicit);
    const file = await firstFile(candidates);
    if (!file) {
      throw new RelengError(`configuration file not found: ${candidates.join(', ')}`, {
        hint: 'check the path given to --config (relative to the working folder)',
      });
    }
    return { file, format: NATIVE_EXT.test(file) ? 'native' : 'releng-tool' };
  }
  const native = await firstFile(NATIVE_CONFIG_NAMES.map((n) => join(root, n)));
  if (native) return { file: native, format: 'native' };
  const legacy = await firstFile(RELENG_TOOL_CONFIG_NAMES.map((n) => join(root, n)));
  if (legacy) return { file: legacy, format: 'releng-tool' };
  throw new RelengError(`no releng project in ${root}`, {
    hint: `looked for ${[...NATIVE_CONFIG_NAMES, ...RELENG_TOOL_CONFIG_NAMES].join(', ')}; run "releng init" to start one, or pass --root-dir`,
  });
}
