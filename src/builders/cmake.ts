import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineArgs, installPerSysroot, run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/**
 * CMake: configure into the package's output folder, `--build`, then
 * `--build --target install` per sysroot (DESTDIR), as releng-tool runs it.
 */
export const cmakeType: PackageSteps = {
  async configure({ pkg, stage, project }) {
    const s = stageSettings(pkg, 'configure');
    const buildType =
      (pkg.options.cmakeBuildType as string | undefined) ??
      (project.options.defaultCmakeBuildType as string | undefined) ??
      'RelWithDebInfo';
    // As releng-tool: search the sysroots this package installs into (host for
    // host packages; else staging, and target too when it installs there), so
    // find_package finds a dependency installed to target only; host tools last.
    const roots =
      pkg.installType === 'host'
        ? [stage.dirs.host]
        : [
            stage.dirs.staging,
            ...(pkg.installType === 'target' || pkg.installType === 'staging_and_target'
              ? [stage.dirs.target]
              : []),
          ];
    const prefixed = roots.map((r) => `${r}${stage.prefix}`);
    const host = `${stage.dirs.host}${stage.prefix}`;
    const includes = prefixed.map((p) => `${p}/include`).join(';');
    const defaults: Record<string, string> = {
      CMAKE_BUILD_TYPE: buildType,
      CMAKE_INSTALL_PREFIX: stage.prefix,
      CMAKE_FIND_ROOT_PATH: prefixed.join(';'),
      CMAKE_FIND_ROOT_PATH_MODE_PROGRAM: 'NEVER',
      CMAKE_PREFIX_PATH: [...prefixed, ...(roots.includes(stage.dirs.host) ? [] : [host])].join(
        ';',
      ),
      CMAKE_MODULE_PATH: prefixed.map((p) => `${p}/share/cmake/Modules`).join(';'),
      CMAKE_INCLUDE_PATH: includes,
      CMAKE_LIBRARY_PATH: prefixed.map((p) => `${p}/lib`).join(';'),
      CMAKE_INSTALL_LIBDIR: 'lib',
      CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: 'ON',
      CMAKE_C_STANDARD_INCLUDE_DIRECTORIES: includes,
      CMAKE_CXX_STANDARD_INCLUDE_DIRECTORIES: includes,
    };
    // the package's own definitions (CONF_DEFS, or -D in CONF_OPTS) win
    for (const key of Object.keys(s.defs)) delete defaults[key];
    for (const opt of s.opts) {
      const m = /^-D([^=:]+)/.exec(opt);
      if (m) delete defaults[m[1]!];
    }
    // As releng-tool, the defaults go in an initial cache (`-C`), not as -D:
    // a project that does not use one of them then gets no "unused variable"
    // warning, and the file is where releng-tool users look for them.
    mkdirSync(stage.buildOutputDir, { recursive: true });
    const cache = join(stage.buildOutputDir, '.releng-tool-cmake-cache');
    writeFileSync(
      cache,
      Object.entries(defaults)
        .map(([k, v]) => `set(${k} "${v}" CACHE INTERNAL "releng-tool generated")\n`)
        .join(''),
    );
    await run(
      stage,
      'cmake',
      [
        '-C',
        cache,
        '-S',
        stage.buildDir,
        '-B',
        stage.buildOutputDir,
        ...defineArgs(s.defs),
        ...s.opts,
      ],
      { env: stageEnv(pkg, s) },
    );
  },
  async build({ pkg, stage }) {
    const s = stageSettings(pkg, 'build');
    await run(
      stage,
      'cmake',
      ['--build', stage.buildOutputDir, '--parallel', String(stage.jobs), ...s.opts],
      {
        env: stageEnv(pkg, s),
      },
    );
  },
  async install({ pkg, stage }) {
    await installPerSysroot(pkg, stage, (root, s) =>
      run(stage, 'cmake', ['--build', stage.buildOutputDir, '--target', 'install', ...s.opts], {
        env: { ...stageEnv(pkg, s), DESTDIR: root },
      }),
    );
  },
};
