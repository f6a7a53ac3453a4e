import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RelengError } from '../util/errors.ts';
import { firstFile } from '../util/fs.ts';
import { NATIVE_CONFIG_NAMES } from './config-names.ts';
import { RELENG_TOOL_CONFIG_NAMES } from './releng-tool/names.ts';

/** Finds the project's configuration file and its format. */
export async function findConfig(
  root: string,
  explicit?: string,
): Promise<{ file: string; format: 'native' | 'releng-tool' }> {
  // --config FILE (relative to the root): its format follows its name
  if (explicit !== undefined) {
    const file = resolve(root, explicit);
    if (!(await firstFile([file]))) {
      throw new RelengError(`configuration file not found: ${file}`, {
        hint: 'check the path given to --config',
      });
    }
    const native = /\.(?:[cm]?[jt]s)$/.test(file);
    return { file, format: native ? 'native' : 'releng-tool' };
  }
  const native = await firstFile(NATIVE_CONFIG_NAMES.map((n) => join(root, n)));
  if (native) return { file: native, format: 'native' };
  const legacy = await firstFile(RELENG_TOOL_CONFIG_NAMES.map((n) => join(root, n)));
  if (legacy) return { file: legacy, format: 'releng-tool' };
  throw new RelengError(`no releng project in ${root}`, {
    hint: `looked for ${[...NATIVE_CONFIG_NAMES, ...RELENG_TOOL_CONFIG_NAMES].join(', ')}; run "releng init" to start one, or pass --root-dir`,
  });
}

/**
 * The format of the project in `root`, by the same search as findConfig but
 * synchronous and without failing (undefined: no project found), for what
 * must be settled before the project loads (the console's colours).
 */
export function configFormatSync(
  root: string,
  explicit?: string,
): 'native' | 'releng-tool' | undefined {
  const isFile = (f: string): boolean => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  };
  if (explicit !== undefined) return /\.(?:[cm]?[jt]s)$/.test(explicit) ? 'native' : 'releng-tool';
  if (NATIVE_CONFIG_NAMES.some((n) => isFile(join(root, n)))) return 'native';
  if (RELENG_TOOL_CONFIG_NAMES.some((n) => isFile(join(root, n)))) return 'releng-tool';
  return undefined;
}
