import { join } from 'node:path';
import { installPerSysroot, run, stageEnv, stageSettings } from './common.ts';
import type { PackageSteps } from './types.ts';

/**
 * Cargo, offline (vendored or path dependencies only): build in release mode
 * into the package's output folder, then `cargo install --path` into each
 * sysroot's prefix (reusing that build).
 */
export const cargoType: PackageSteps = {
  async build({ pkg, stage }) {
    const s = stageSettings(pkg, 'build');
    const name = pkg.options.cargoName as string | undefined;
    await run(
      stage,
      'cargo',
      [
        'build',
        '--release',
        '--offline',
        '--jobs',
        String(stage.jobs),
        '--target-dir',
        stage.buildOutputDir,
        ...(name ? ['--package', name] : []),
        ...s.opts,
      ],
      { env: stageEnv(pkg, s) },
    );
  },
  async install({ pkg, stage }) {
    const name = pkg.options.cargoName as string | undefined;
    await installPerSysroot(pkg, stage, (root, s) =>
      run(
        stage,
        'cargo',
        [
          'install',
          '--offline',
          '--no-track',
          '--force',
          '--jobs',
          String(stage.jobs),
          '--path',
          name ? join(stage.buildDir, name) : stage.buildDir,
          '--root',
          join(root, stage.prefix),
          '--target-dir',
          stage.buildOutputDir,
          ...s.opts,
        ],
        { env: stageEnv(pkg, s) },
      ),
    );
  },
};
