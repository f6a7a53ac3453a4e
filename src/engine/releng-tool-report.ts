// What releng-tool's reporting actions print for a releng-tool project
// (`state`, `printvars`), in its words. Loaded only for those actions.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PackageModel, ProjectModel } from '../project/model.ts';
import { KEY_TYPES } from '../project/releng-tool/keys.ts';
import { RELENG_TOOL_COMPAT_VERSION } from '../project/releng-tool/load.ts';
import { developmentModeSuffix, localSourcesListing } from './modes.ts';
import type { EngineOptions } from './run.ts';

/**
 * `state` for a releng-tool project, in releng-tool's words: version, the
 * interpreter scripts run with, where the tool is, the root, and the modes
 * with how to turn them off.
 */
export function relengToolState(
  project: ProjectModel,
  options: EngineOptions,
): { text: string; api: Record<string, unknown> } {
  const python = spawnSync(options.python ?? 'python3', ['-c', 'import sys; print(sys.version)'], {
    encoding: 'utf8',
  });
  const pythonVersion = python.status === 0 ? python.stdout.trim() : undefined;
  const tool = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
  const lines = [
    `releng-tool ${RELENG_TOOL_COMPAT_VERSION} (releng ${options.version})`,
    `Python ${pythonVersion ?? `unavailable (${options.python ?? 'python3'})`}`,
    `Tool: ${tool}`,
    `Root: ${project.root}`,
  ];
  const api: Record<string, unknown> = {
    python: pythonVersion ?? null,
    root: project.root,
    tool,
    devmode: options.devmode ?? false,
  };
  const devmode = options.devmode;
  if (devmode === undefined || devmode === false) lines.push('Development mode: Disabled');
  else {
    lines.push(`Development mode: Enabled${developmentModeSuffix(devmode)}`);
    lines.push(' (invoke `releng-tool --development unset` to unconfigure)');
  }
  const local = options.localSources;
  api.localsrcs = false;
  if (!local) lines.push('Local-sources mode: Disabled');
  else {
    lines.push('Local-sources mode: Enabled');
    const listed: Record<string, string> = {};
    for (const { name, shown, line } of localSourcesListing(local)) {
      lines.push(line);
      listed[name] = shown;
    }
    lines.push(' (invoke `releng-tool --local-sources unset` to unconfigure)');
    api.localsrcs = listed;
  }
  return { text: `${lines.join('\n')}\n`, api };
}

/**
 * releng-tool's printvars for one package: every option variable a
 * definition may set (`<PKG>_<OPTION>`, sorted), marked ` (set)` when the
 * definition set it; the revision counts as set only when it is not empty.
 */
export function relengToolVariables(pkg: PackageModel): string {
  return relengToolVariableList(pkg)
    .map(([key, isSet]) => `${key}${isSet ? ' (set)' : ''}\n`)
    .join('');
}

/** The option variables of a package, sorted, each with whether its definition set it. */
export function relengToolVariableList(pkg: PackageModel): Array<[string, boolean]> {
  const set = new Set((pkg.options.relengToolSet as string[] | undefined) ?? []);
  return Object.keys(KEY_TYPES)
    .sort()
    .map((option) => {
      const isSet =
        option === 'REVISION' ? pkg.revision !== '' && pkg.revision !== undefined : set.has(option);
      return [`${pkg.key}_${option}`, isSet];
    });
}
