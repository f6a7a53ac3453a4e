import { existsSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RelengError } from '../util/errors.ts';
import { writeFileAtomic } from '../util/fs.ts';

/** Development and local-sources modes, remembered between runs. */
export interface Modes {
  /** true for the default development mode, or a named mode. */
  development?: string | true;
  /** Local source folders: `''` = the default for every internal package. */
  localSources?: Record<string, string>;
}

/**
 * Where the modes are kept: `output` for native projects (releng's
 * `output/.releng-mode.json`, nothing written outside the output folder),
 * `root-flags` for releng-tool projects (releng-tool's own file flags in the
 * project root, `.releng-flag-devmode` and `.releng-flag-local-sources`, so
 * a project run by either tool stays in the mode the other configured).
 */
export type ModeStore = 'output' | 'root-flags';

const file = (outputDir: string) => join(outputDir, '.releng-mode.json');

/** releng-tool's development-mode file flag in the project root (`{"mode": true | "<name>"}`). */
const devmodeFlag = (rootDir: string) => join(rootDir, '.releng-flag-devmode');
/** releng-tool's local-sources file flag: `{"*": null | "<dir>", "<pkg>": "<dir>" | null}`. */
const localSourcesFlag = (rootDir: string) => join(rootDir, '.releng-flag-local-sources');

/** Every file the modes are read from (whichever store): a change to any may change them. */
export function modeFiles(outputDir: string, rootDir: string): string[] {
  return [file(outputDir), devmodeFlag(rootDir), localSourcesFlag(rootDir)];
}

/** releng-tool's key for "every internal package" in its local-sources flag. */
const ALL_PACKAGES = '*';

/**
 * The remembered modes. Native projects: releng's file in the output
 * folder, and without it a development mode releng-tool configured (its
 * flag in the root; releng never writes that file for them). releng-tool
 * projects: releng-tool's flags in the root, and without either flag what an
 * older releng kept in the output folder (so an upgrade keeps the mode; the
 * next change moves it into the flags).
 *
 * `rewriting` names modes the caller is about to set anew: a flag of that
 * mode that cannot be read is then replaced instead of stopping the run (as
 * releng-tool does).
 */
export async function readModes(
  outputDir: string,
  rootDir?: string,
  store: ModeStore = 'output',
  rewriting: { development?: boolean; localSources?: boolean } = {},
): Promise<Modes> {
  if (store === 'root-flags' && rootDir !== undefined) {
    const fromFlags = await readRootFlags(rootDir, rewriting);
    if (fromFlags) return fromFlags;
  }
  try {
    return JSON.parse(await readFile(file(outputDir), 'utf8')) as Modes;
  } catch {
    if (rootDir === undefined || store === 'root-flags') return {};
    try {
      const mode = flagMode(JSON.parse(await readFile(devmodeFlag(rootDir), 'utf8')));
      if (mode !== undefined) return { development: mode };
    } catch {
      // no flag, or not one releng-tool wrote: no mode
    }
    return {};
  }
}

/** The development mode a releng-tool flag's JSON names: `true`, a mode's name, or none. */
function flagMode(flag: unknown): string | true | undefined {
  const mode = (flag as { mode?: unknown } | null)?.mode;
  return mode === true || (typeof mode === 'string' && mode !== '') ? mode : undefined;
}

/**
 * The modes releng-tool's root flags configure, or undefined when there is
 * neither flag. As releng-tool: an empty flag file is its older form (the
 * mode on: the default development mode, or every internal package from the
 * root's parent folder).
 */
async function readRootFlags(
  rootDir: string,
  rewriting: { development?: boolean; localSources?: boolean },
): Promise<Modes | undefined> {
  // releng-tool cannot read a development flag without its "mode" either
  const dev = await readFlag(devmodeFlag(rootDir), 'development', rewriting.development, 'mode');
  const local = await readFlag(localSourcesFlag(rootDir), 'local-sources', rewriting.localSources);
  if (dev === undefined && local === undefined) return undefined;
  const modes: Modes = {};
  if (dev === 'empty') modes.development = true;
  else if (dev !== undefined && dev !== 'unreadable') {
    const mode = flagMode(dev);
    if (mode !== undefined) modes.development = mode;
  }
  if (local === 'empty') modes.localSources = { '': join(rootDir, '..') };
  else if (local !== undefined && local !== 'unreadable') {
    const map: Record<string, string> = {};
    for (const [key, value] of Object.entries(local as Record<string, unknown>)) {
      if (key === ALL_PACKAGES) map[''] = typeof value === 'string' ? value : join(rootDir, '..');
      // null: this package is not taken from local sources
      else map[key] = typeof value === 'string' ? value : '';
    }
    if (Object.keys(map).length > 0) modes.localSources = map;
  }
  return modes;
}

/**
 * One flag file: undefined when absent, `'empty'` for an empty file, its
 * JSON object, or `'unreadable'` when it is not a JSON object (with
 * `requiredKey`, when the object lacks it) and the caller is replacing it;
 * otherwise an unreadable flag is an error naming the file.
 */
async function readFlag(
  path: string,
  mode: string,
  replacing: boolean | undefined,
  requiredKey?: string,
): Promise<'empty' | 'unreadable' | Record<string, unknown> | undefined> {
  let text: string;
  try {
    if ((await stat(path)).size === 0) return 'empty';
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      (requiredKey === undefined || requiredKey in value)
    )
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  if (replacing) return 'unreadable';
  throw new RelengError(`cannot read the ${mode} mode file ${path}`, {
    file: path,
    hint: `remove it, or configure the mode again (-${mode === 'development' ? 'D' : 'L'} ... or -${mode === 'development' ? 'D' : 'L'} unset)`,
  });
}

/**
 * Applies `-D`/`-L` from the command line to the remembered modes and saves
 * them (atomically) when they changed. `unset` clears a mode.
 */
export async function updateModes(
  outputDir: string,
  development: string | true | undefined,
  localSources: Array<{ pkg: string; dir: string } | true> | undefined,
  rootDir: string,
  store: ModeStore = 'output',
): Promise<Modes> {
  const modes = await readModes(outputDir, rootDir, store, {
    development: development !== undefined,
    localSources: localSources !== undefined,
  });
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
      if (Object.keys(map).length > 0) modes.localSources = map;
      else delete modes.localSources;
    }
  }
  if (JSON.stringify(modes) === before) return modes;
  if (store === 'root-flags') {
    await writeRootFlags(rootDir, modes, {
      development: development !== undefined,
      localSources: localSources !== undefined,
    });
    // an older releng's copy would be read again once the flags are gone
    await rm(file(outputDir), { force: true });
  } else if (Object.keys(modes).length === 0 && !existsSync(devmodeFlag(rootDir))) {
    await rm(file(outputDir), { force: true });
  } else {
    // with releng-tool's flag in the root, an empty file keeps it from being read again
    await writeFileAtomic(file(outputDir), `${JSON.stringify(modes, null, 2)}\n`);
  }
  return modes;
}

/**
 * Writes releng-tool's flags as releng-tool writes them (JSON, 4-space
 * indent, no final newline; local folders absolute, `null` for the root's
 * parent folder and for an excluded package), or removes a mode's flag once
 * it is off. Only the modes the command line changed are touched (and a mode
 * an older releng kept in output/, which has no flag yet), so a flag
 * releng-tool wrote stays byte for byte as it was otherwise.
 */
async function writeRootFlags(
  rootDir: string,
  modes: Modes,
  changed: { development: boolean; localSources: boolean },
): Promise<void> {
  // a mode set without its flag came from an older releng's file: written too
  if (
    changed.development ||
    (modes.development !== undefined && !existsSync(devmodeFlag(rootDir)))
  ) {
    if (modes.development === undefined) await rm(devmodeFlag(rootDir), { force: true });
    else
      await writeFileAtomic(
        devmodeFlag(rootDir),
        JSON.stringify({ mode: modes.development }, null, 4),
      );
  }
  if (
    changed.localSources ||
    (modes.localSources !== undefined && !existsSync(localSourcesFlag(rootDir)))
  ) {
    if (modes.localSources === undefined) {
      await rm(localSourcesFlag(rootDir), { force: true });
      return;
    }
    const parent = join(rootDir, '..');
    const flag: Record<string, string | null> = {};
    for (const [pkg, dir] of Object.entries(modes.localSources)) {
      if (pkg === '')
        flag[ALL_PACKAGES] = resolve(rootDir, dir) === parent ? null : resolve(rootDir, dir);
      else flag[pkg] = dir === '' ? null : resolve(rootDir, dir);
    }
    await writeFileAtomic(localSourcesFlag(rootDir), JSON.stringify(flag, null, 4));
  }
}

/**
 * What `mrproper` and `distclean` remove of the modes: releng's file in the
 * output folder and, in a releng-tool project, releng-tool's flags in the
 * root (as releng-tool's own mrproper does). True when a flag was removed.
 */
export async function clearModes(
  outputDir: string,
  rootDir: string,
  store: ModeStore,
): Promise<{ development: boolean; localSources: boolean }> {
  await rm(file(outputDir), { force: true });
  const removed = { development: false, localSources: false };
  if (store !== 'root-flags') return removed;
  for (const [key, path] of [
    ['development', devmodeFlag(rootDir)],
    ['localSources', localSourcesFlag(rootDir)],
  ] as const) {
    if (!existsSync(path)) continue;
    await rm(path, { force: true });
    removed[key] = true;
  }
  return removed;
}

/** releng-tool's ` (NAME)` after a named development mode (nothing for the default one). */
export function developmentModeSuffix(mode: string | true): string {
  return mode === true ? '' : ` (${mode})`;
}

/**
 * The local-sources folders as releng-tool lists them (`state`, `-L`):
 * sorted, `*` for the default entry, `<parent>`/`<unset>` for an empty
 * folder, and a note after a package's folder that does not exist.
 */
export function localSourcesListing(
  local: Readonly<Record<string, string>>,
): Array<{ name: string; shown: string; line: string }> {
  return Object.entries(local)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, dir]) => {
      const name = key || '*';
      const shown = dir || (key ? '<unset>' : '<parent>');
      const missing = key && dir && !existsSync(dir) ? '  (path does not exist)' : '';
      return { name, shown, line: ` ${name}: ${shown}${missing}` };
    });
}

/**
 * What releng-tool says when `-D` / `-L` configured or unset a mode
 * (`given`: which of the two the command line had), as log events.
 */
export function modeMessages(
  given: { development: boolean; localSources: boolean },
  modes: Modes,
): Array<{ type: 'log'; level: 'log' | 'success' | 'warn'; message: string }> {
  const out: Array<{ type: 'log'; level: 'log' | 'success' | 'warn'; message: string }> = [];
  const say = (level: 'log' | 'success' | 'warn', message: string): void => {
    out.push({ type: 'log', level, message });
  };
  if (given.development) {
    if (modes.development === undefined) say('warn', 'development mode has been unconfigured');
    else
      say(
        'success',
        `configured root for development mode${developmentModeSuffix(modes.development)}`,
      );
  }
  if (given.localSources) {
    if (modes.localSources === undefined) say('warn', 'local-sources mode has been unconfigured');
    else {
      say('log', '[local sources configuration]');
      for (const entry of localSourcesListing(modes.localSources)) say('log', entry.line);
      say('success', 'configured root for local-sources mode');
    }
  }
  return out;
}
