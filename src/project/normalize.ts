import { detectVcsType } from '../sources/registry.ts';
import type { HookStage, InstallType, PackageModel, StageAction } from './model.ts';
import { packageKey } from './model.ts';
import { CORE_PACKAGE_KEYS } from './native/spec.ts';
import { checkPathValue } from './path-values.ts';
import { toList } from './schema.ts';

/** Project-level settings that shape every package. */
export interface PackageDefaults {
  defaultInternal: boolean;
  overrideSites: Record<string, string>;
  overrideRevisions: Record<string, string>;
  /** Development mode, when active. */
  devmode?: string | boolean;
  /** releng-tool's `<PKG>_FORCE_REVISION` (environment or KEY=VALUE), by package key; not under --release. */
  forceRevisions?: Record<string, string>;
  /** releng-tool's project `revisions`: a package's revision when it defines neither revision nor version. */
  revisions?: Record<string, string>;
  /** Load-time warnings (recorded with the cached model). */
  warn?: (message: string, file?: string) => void;
}

/** Values of a package definition in the native (camelCase) vocabulary, already validated. */
export type RawPackage = Record<string, unknown>;

/**
 * Picks the value for the active development mode from a mode-keyed object
 * (`'*'` is the default); plain strings pass through.
 */
export function byMode(value: unknown, devmode: string | boolean | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const dict = value as Record<string, string>;
  const mode = typeof devmode === 'string' && devmode ? devmode : devmode ? 'develop' : undefined;
  if (mode && mode in dict) return dict[mode];
  return dict['*'];
}

/** What names and versions may hold, for the error message. */
/**
 * releng-tool's folder name for a package: `<name>-<version>` with every
 * character of the version other than a letter, a digit, `-`, `.` or `_`
 * replaced by `_`, so a branch `fix/x` names `<name>-fix_x`, not a subfolder.
 */
export function relengToolFolder(name: string, version: string): string {
  return `${name}-${version.replace(/[^\p{L}\p{N}\-._]/gu, '_')}`;
}

/** Whether the revision comes from the development mode: DEVMODE_REVISION, or REVISION's entry for the mode. */
function devmodeHit(raw: RawPackage, defaults: PackageDefaults): boolean {
  const devmode = defaults.devmode;
  if (!devmode) return false;
  if (typeof raw.devmodeRevision === 'string' && raw.devmodeRevision !== '') return true;
  const dict = raw.revision;
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) return false;
  const mode = typeof devmode === 'string' && devmode ? devmode : 'develop';
  return typeof (dict as Record<string, unknown>)[mode] === 'string';
}

/** Builds the normalised package from validated definition values, for either format. */
export function normalizePackage(
  name: string,
  defDir: string,
  definitionFile: string,
  raw: RawPackage,
  hooks: Partial<Record<HookStage, StageAction>>,
  defaults: PackageDefaults,
  format: 'native' | 'releng-tool' = 'native',
): PackageModel {
  let version = raw.version === undefined ? '' : String(raw.version);
  const relengTool = format === 'releng-tool';
  checkPathValue('name', name, name, definitionFile);
  checkPathValue('version', version, name, definitionFile, relengTool);
  const site = defaults.overrideSites[name] ?? byMode(raw.site, defaults.devmode);
  const devRevision = defaults.devmode ? (raw.devmodeRevision as string | undefined) : undefined;
  const override = defaults.overrideRevisions[name];
  const own = devRevision ?? byMode(raw.revision, defaults.devmode);
  let revision = override ?? own ?? version;
  // releng-tool: the project's `revisions` fill in a package's missing revision,
  // and are ignored (with a warning outside development mode) when it has one
  const projectRevision = defaults.revisions?.[name];
  if (projectRevision && !defaults.forceRevisions?.[packageKey(name)]) {
    if (!revision) revision = projectRevision;
    else if (!defaults.devmode && override === undefined) {
      const [what, key] = own ? ['a revision', 'REVISION'] : ['a version', 'VERSION'];
      defaults.warn?.(
        `ignoring project-defined revision since package defined ${what}: ${name} (see '${packageKey(name)}_${key}')`,
        definitionFile,
      );
    }
  }
  checkPathValue('revision', revision, name, definitionFile);
  // releng-tool: a package built from its development revision takes that
  // revision as its version (PKG_VERSION, output/build/<pkg>-<revision>)
  if (relengTool && override === undefined && revision !== version && devmodeHit(raw, defaults)) {
    version = revision;
    checkPathValue('version', version, name, definitionFile, relengTool);
  }
  const folder = relengTool && version ? relengToolFolder(name, version) : undefined;
  if (typeof raw.devmodeRevision === 'string')
    checkPathValue('revision', raw.devmodeRevision, name, definitionFile);
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
    vcsType: byMode(raw.vcsType, defaults.devmode) ?? detectVcsType(site),
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
    ...(folder !== `${name}-${version}` && folder !== undefined ? { folderName: folder } : {}),
    hooks,
    options,
  };
}
