import { packagePaths } from '../engine/env.ts';
import type { ProjectDirs, ProjectModel } from '../project/model.ts';
import { RELENG_TOOL_COMPAT_VERSION } from '../project/releng-tool/load.ts';

/** releng-tool's names of the stages its API document lists (it tracks no fetch). */
const API_STAGES: Readonly<Record<string, string>> = {
  extract: 'extract',
  patch: 'patch',
  bootstrap: 'boot',
  configure: 'configure',
  build: 'build',
  install: 'install',
  post: 'post',
};

/** The stages each package ran in this run, for the API document (from stage-end events). */
export class ApiStages {
  readonly #ran = new Map<string, { stages: string[]; durations: Record<string, number> }>();

  /** Records a stage that ended (`durationMs` as the event gives it). */
  ended(pkg: string, stage: string, durationMs: number): void {
    const name = API_STAGES[stage];
    if (!name) return;
    let entry = this.#ran.get(pkg);
    if (!entry) {
      entry = { stages: [], durations: {} };
      this.#ran.set(pkg, entry);
    }
    entry.stages.push(name);
    // whole seconds, as releng-tool's int(duration)
    entry.durations[name] = Math.trunc(durationMs / 1000);
  }

  of(pkg: string): { stages: string[]; durations: Record<string, number> } {
    return this.#ran.get(pkg) ?? { stages: [], durations: {} };
  }
}

/**
 * The JSON document releng-tool's API mode (`--api`) prints on stdout at the
 * end of a run: the exit code and, under releng-tool's field names, each
 * package's settings and the stages it ran — or, for a reporting action
 * (`state`, `printpkgs`, `printvars`), what that action filled in instead.
 */
export function apiSummary(
  code: number,
  project: ProjectModel | undefined,
  dirs: ProjectDirs,
  version: string,
  ran: ApiStages = new ApiStages(),
  reported: Record<string, unknown> = {},
): Record<string, unknown> {
  const head = { code, 'releng-tool': RELENG_TOOL_COMPAT_VERSION, releng: version };
  const describe = (name: string) => packageEntry(project!, dirs, name, ran);
  if (reported.printpkgs) {
    const listed = Object.keys(reported.printpkgs as Record<string, unknown>);
    return { ...head, printpkgs: Object.fromEntries(listed.map((n) => [n, describe(n)])) };
  }
  if (reported.state || reported.printvars) return { ...head, ...reported };
  const packages: Record<string, unknown> = {};
  for (const name of project?.packages.length ? project.packageDefs.keys() : [])
    packages[name] = describe(name);
  return { ...head, packages };
}

function packageEntry(
  project: ProjectModel,
  dirs: ProjectDirs,
  name: string,
  ran: ApiStages,
): Record<string, unknown> {
  const pkg = project.packageDefs.get(name)!;
  const paths = packagePaths(dirs, pkg);
  const { stages, durations } = ran.of(name);
  return {
    'build-dir': paths.buildDir,
    'build-output-dir': paths.buildOutputDir,
    'def-dir': pkg.defDir,
    'def-file': pkg.definitionFile,
    durations,
    'install-type': pkg.installType,
    internal: pkg.internal,
    license: pkg.license.length > 0 ? pkg.license : null,
    'license-files': pkg.licenseFiles.length > 0 ? pkg.licenseFiles : null,
    revision: pkg.revision,
    site: pkg.site ?? null,
    stages,
    type: pkg.type,
    'vcs-type': pkg.vcsType,
    version: pkg.version,
  };
}
