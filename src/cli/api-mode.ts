import { packagePaths } from '../engine/env.ts';
import type { ProjectDirs, ProjectModel } from '../project/model.ts';
import { RELENG_TOOL_COMPAT_VERSION } from '../project/releng-tool/load.ts';

/**
 * The JSON document releng-tool's API mode (`--api`) prints on stdout at the
 * end of a run: the exit code and each package's settings, under
 * releng-tool's field names.
 */
export function apiSummary(
  code: number,
  project: ProjectModel | undefined,
  dirs: ProjectDirs,
  version: string,
): Record<string, unknown> {
  const packages: Record<string, unknown> = {};
  for (const name of project?.packages.length ? project.packageDefs.keys() : []) {
    const pkg = project!.packageDefs.get(name)!;
    const paths = packagePaths(dirs, pkg);
    packages[name] = {
      'build-dir': paths.buildDir,
      'build-output-dir': paths.buildOutputDir,
      'def-dir': pkg.defDir,
      'def-file': pkg.definitionFile,
      'install-type': pkg.installType,
      internal: pkg.internal,
      license: pkg.license.length > 0 ? pkg.license : null,
      'license-files': pkg.licenseFiles.length > 0 ? pkg.licenseFiles : null,
      revision: pkg.revision,
      site: pkg.site ?? null,
      type: pkg.type,
      'vcs-type': pkg.vcsType,
      version: pkg.version,
    };
  }
  return { code, 'releng-tool': RELENG_TOOL_COMPAT_VERSION, releng: version, packages };
}
