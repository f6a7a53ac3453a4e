import { detectVcsType } from '../sources/registry.ts';
import type { HookStage, InstallType, PackageModel, StageAction } from './model.ts';
import { packageKey } from './model.ts';
import { CORE_PACKAGE_KEYS } from './native/spec.ts';
import { toList } from './schema.ts';

/** Project-level settings that shape every package. */
export interface PackageDefaults {
  defaultInternal: boolean;
  overrideSites: Record<string, string>;
  overrideRevisions: Record<string, string>;
  /** Development mode, when active. */
  devmode?: string | boolean;
}

/** Values of a package definition in the native (camelCase) vocabulary, already validated. */
export type RawPackage = Record<string, unknown>;

/** Builds the normalised package from validated definition values, for either format. */
export function normalizePackage(
  name: string,
  defDir: string,
  definitionFile: string,
  raw: RawPackage,
  hooks: Partial<Record<HookStage, StageAction>>,
  defaults: PackageDefaults,
): PackageModel {
  const version = raw.version === undefined ? '' : String(raw.version);
  const site = defaults.overrideSites[name] ?? (raw.site as string | undefined);
  const devRevision = defaults.devmode ? (raw.devmodeRevision as string | undefined) : undefined;
  const revision =
    defaults.overrideRevisions[name] ??
    devRevision ??
    (raw.revision as string | undefined) ??
    version;
  const internal =
    (raw.internal as boolean | undefined) ??
    (raw.external === undefined ? defaults.defaultInternal : !raw.external);
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw))
    if (!CORE_PACKAGE_KEYS.has(k) && v !== undefined) options[k] = v;
  return {
    name,
    key: packageKey(name),
    defDir,
    definitionFile,
    version,
    site: site === '' ? undefined : site,
    vcsType: (raw.vcsType as string | undefined) ?? detectVcsType(site),
    type: (raw.type as string | undefined) ?? 'script',
    dependencies: toList(raw.dependencies),
    license: toList(raw.license),
    licenseFiles: toList(raw.licenseFiles),
    installType: (raw.installType as InstallType | undefined) ?? 'target',
    internal,
    revision,
    devmodeRevision: raw.devmodeRevision as string | undefined,
    buildSubdir: raw.buildSubdir as string | undefined,
    stripCount: (raw.stripCount as number | undefined) ?? 1,
    fixedJobs: raw.fixedJobs as number | undefined,
    maxJobs: raw.maxJobs as number | undefined,
    prefix: raw.prefix as string | undefined,
    hooks,
    options,
  };
}
