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

/**
 * Every file findConfig may take, in the order it tries them: the
 * `--config` candidates, or the native names then releng-tool's in `root`.
 */
export function configCandidates(root: string, explicit?: string): string[] {
  if (explicit !== undefined) return explicitConfigCandidates(explicit);
  return [...NATIVE_CONFIG_NAMES, ...RELENG_TOOL_CONFIG_NAMES].map((n) => join(root, n));
}

/** A project's configuration file and the format its name says. */
export interface FoundConfig {
  file: string;
  format: 'native' | 'releng-tool';
}

/** Finds the project's configuration file and its format. */
export async function findConfig(root: string, explicit?: string): Promise<FoundConfig> {
  const candidates = configCandidates(root, explicit);
  const file = await firstFile(candidates);
  // --config FILE: its format follows its name
  if (explicit !== undefined) {
    if (!file) {
      throw new RelengError(`configuration file not found: ${candidates.join(', ')}`, {
        hint: 'check the path given to --config (relative to the working folder)',
      });
    }
    return { file, format: NATIVE_EXT.test(file) ? 'native' : 'releng-tool' };
  }
  // the first NATIVE_CONFIG_NAMES.length candidates are the native names
  if (file) {
    const native = candidates.indexOf(file) < NATIVE_CONFIG_NAMES.length;
    return { file, format: native ? 'native' : 'releng-tool' };
  }
  throw new RelengError(`no releng project in ${root}`, {
    hint: `looked for ${[...NATIVE_CONFIG_NAMES, ...RELENG_TOOL_CONFIG_NAMES].join(', ')}; run "releng init" to start one, or pass --root-dir`,
  });
}
