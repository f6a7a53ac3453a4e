import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerPackageType } from '../builders/registry.ts';
import { registerSiteType } from '../sources/registry.ts';
import { RelengError } from '../util/errors.ts';

/** What an extension's `activate` (or default export) function receives. */
export interface ExtensionApi {
  registerPackageType: typeof registerPackageType;
  registerSiteType: typeof registerSiteType;
}

/**
 * Loads a native project's extensions: each is a module (a path relative to
 * the project, or a package name) whose default export or `activate` export
 * is called with the registration API. A failure stops the run naming the
 * extension, as the guide requires.
 */
export async function loadExtensions(
  root: string,
  names: readonly string[],
  configFile: string,
): Promise<void> {
  for (const name of names) {
    let url: string;
    try {
      url =
        name.startsWith('.') || isAbsolute(name)
          ? pathToFileURL(isAbsolute(name) ? name : join(root, name)).href
          : pathToFileURL(createRequire(join(root, 'package.json')).resolve(name)).href;
    } catch {
      throw new RelengError(`extension "${name}" cannot be found`, {
        file: configFile,
        hint: 'install it in the project (npm install) or give a path relative to the project root',
      });
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(url)) as Record<string, unknown>;
    } catch (err) {
      throw new RelengError(`extension "${name}" failed to load: ${(err as Error).message}`, {
        file: configFile,
      });
    }
    const activate = (mod.activate ?? mod.default) as ((api: ExtensionApi) => unknown) | undefined;
    if (typeof activate !== 'function') {
      throw new RelengError(`extension "${name}" exports no activate function`, {
        file: configFile,
        hint: 'export default function (api) { api.registerPackageType(...) }',
      });
    }
    try {
      await activate({ registerPackageType, registerSiteType });
    } catch (err) {
      throw new RelengError(`extension "${name}" failed to activate: ${(err as Error).message}`, {
        file: configFile,
      });
    }
  }
}
