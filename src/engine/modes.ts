import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.ts';

/** Development and local-sources modes, remembered between runs in the output directory. */
export interface Modes {
  /** true for the default development mode, or a named mode. */
  development?: string | true;
  /** Local source folders: `''` = the default for every internal package. */
  localSources?: Record<string, string>;
}

const file = (outputDir: string) => join(outputDir, '.releng-mode.json');

/** releng-tool's development-mode file flag in the project root (`{"mode": true | "<name>"}`). */
const relengToolFlag = (rootDir: string) => join(rootDir, '.releng-flag-devmode');

/**
 * The remembered modes. Without releng's own file, a development mode
 * releng-tool configured (its file flag in the project root) is read, so a
 * project set up with `releng-tool -D` stays in that mode; releng never
 * writes that file (it writes nothing outside the output folder).
 */
export async function readModes(outputDir: string, rootDir?: string): Promise<Modes> {
  try {
    return JSON.parse(await readFile(file(outputDir), 'utf8')) as Modes;
  } catch {
    if (rootDir === undefined) return {};
    try {
      const flag = JSON.parse(await readFile(relengToolFlag(rootDir), 'utf8')) as {
        mode?: unknown;
      };
      if (flag.mode === true || (typeof flag.mode === 'string' && flag.mode !== ''))
        return { development: flag.mode };
    } catch {
      // no flag, or not one releng-tool wrote: no mode
    }
    return {};
  }
}

/**
 * Applies `-D`/`-L` from the command line to the remembered modes and saves
 * them when they changed. `unset` clears a mode.
 */
export async function updateModes(
  outputDir: string,
  development: string | true | undefined,
  localSources: Array<{ pkg: string; dir: string } | true> | undefined,
  rootDir: string,
): Promise<Modes> {
  const modes = await readModes(outputDir, rootDir);
  const before = JSON.stringify(modes);
  if (development === 'unset') delete modes.development;
  else if (development !== undefined) modes.development = development;
  if (localSources) {
    if (localSources.some((l) => l !== true && l.dir === 'unset' && l.pkg === ''))
      delete modes.localSources;
    else {
      const map = { ...(modes.localSources ?? {}) };
      for (const l of localSources) {
        if (l === true) map[''] = join(rootDir, '..');
        // with a folder for every package, an unset package stays excluded ('')
        else if (l.dir === 'unset') {
          if (map[''] !== undefined) map[l.pkg] = '';
          else delete map[l.pkg];
        } else map[l.pkg] = l.dir;
      }
      modes.localSources = map;
    }
  }
  if (JSON.stringify(modes) !== before) {
    // with releng-tool's flag in the root, an empty file keeps it from being read again
    if (Object.keys(modes).length === 0 && !existsSync(relengToolFlag(rootDir)))
      await rm(file(outputDir), { force: true });
    else await writeFileAtomic(file(outputDir), `${JSON.stringify(modes, null, 2)}\n`);
  }
  return modes;
}
