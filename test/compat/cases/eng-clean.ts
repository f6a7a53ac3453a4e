// releng-tool's clean-failure tests (tests/unit-tests/test_engine_run_clean_fail.py),
// re-expressed as CLI runs. releng-tool's tests make os.remove fail with a
// mock; here a file the action must remove is made immutable (chattr +i,
// which even root cannot delete), so the action cannot finish its cleanup and
// must fail. The flag is lifted again before the case's folder is removed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, type Case, type Ctx } from '../lib.ts';

function chattr(flag: '+i' | '-i', path: string): void {
  const r = spawnSync('chattr', [flag, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `chattr ${flag} ${path}: ${r.stderr}`);
}

/**
 * Builds the `minimal` fixture, then runs `args` with an immutable file in
 * each of `folders` (relative to the project), or with the folders
 * themselves immutable when `self` is set; the run must fail.
 */
async function failsLocked(
  t: Ctx,
  args: string[],
  folders: string | string[],
  self = false,
): Promise<void> {
  await t.ok();
  const locked: string[] = [];
  try {
    for (const folder of typeof folders === 'string' ? [folders] : folders) {
      const dir = t.path(folder);
      mkdirSync(dir, { recursive: true });
      // self: the folder and every file in it (the package's stage records)
      const paths = self
        ? [dir, ...readdirSync(dir).map((f) => join(dir, f))]
        : [join(dir, 'locked')];
      if (!self) writeFileSync(paths[0]!, 'cannot be removed\n');
      for (const path of paths) {
        chattr('+i', path);
        locked.push(path);
      }
    }
    await t.fails(args);
  } finally {
    for (const path of locked) chattr('-i', path);
  }
}

const PKG_BUILD = 'output/build/minimal-v1.0';

const GLOBAL = ['clean', 'distclean', 'mrproper'] as const;

/** The output folders every global clean removes, by the name releng-tool's tests use. */
const OUTPUT_FOLDERS: Array<[string, string]> = [
  ['build', 'output/build'],
  ['host', 'output/host'],
  ['license', 'output/licenses'],
  ['staging', 'output/staging'],
  ['symbols', 'output/symbols'],
  ['target', 'output/target'],
];

const NEEDS = ['chattr'];

/** The clean-failure cases. */
export const engCleanCases: Case[] = [
  ...GLOBAL.map(
    (action): Case => ({
      name: `eng/clean-fail-all-${action}`,
      template: 'minimal',
      needs: NEEDS,
      from: `test_engine_run_clean_fail.py::test_engine_run_clean_fail_noperm_all_${action}`,
      async run(t) {
        // every removal fails: something in each output folder
        await failsLocked(
          t,
          [action],
          OUTPUT_FOLDERS.map(([, f]) => f),
        );
      },
    }),
  ),
  ...OUTPUT_FOLDERS.flatMap(([name, folder]) =>
    GLOBAL.map(
      (action): Case => ({
        name: `eng/clean-fail-${name}-dir-${action}`,
        template: 'minimal',
        needs: NEEDS,
        from: `test_engine_run_clean_fail.py::test_engine_run_clean_fail_noperm_check_${name}_dir_${action}`,
        async run(t) {
          await failsLocked(t, [action], folder);
        },
      }),
    ),
  ),
  ...(['cache', 'dl'] as const).map(
    (name): Case => ({
      name: `eng/clean-fail-${name}-dir-distclean`,
      template: 'minimal',
      needs: NEEDS,
      from: `test_engine_run_clean_fail.py::test_engine_run_clean_fail_noperm_check_${name}_dir_distclean`,
      async run(t) {
        await failsLocked(t, ['distclean'], name);
      },
    }),
  ),
  ...(['clean', 'distclean'] as const).map(
    (op): Case => ({
      name: `eng/clean-fail-pkg-${op}`,
      template: 'minimal',
      needs: NEEDS,
      from: `test_engine_run_clean_fail.py::test_engine_run_clean_fail_noperm_check_pkg_${op}`,
      async run(t) {
        await failsLocked(t, [`minimal-${op}`], PKG_BUILD);
      },
    }),
  ),
  // the package's stage state cannot be reset: its build folder takes no change
  ...(
    [
      ['force', ['--force']],
      ['pkg-flags-rebuild', ['minimal-rebuild']],
      ['pkg-flags-reconfigure', ['minimal-reconfigure']],
      ['pkg-flags-reinstall', ['minimal-reinstall']],
    ] as Array<[string, string[]]>
  ).map(
    ([name, args]): Case => ({
      name: `eng/clean-fail-${name}`,
      template: 'minimal',
      needs: NEEDS,
      from: `test_engine_run_clean_fail.py::test_engine_run_clean_fail_noperm_check_${name.replace(/-/g, '_')}`,
      async run(t) {
        await failsLocked(t, args, PKG_BUILD, true);
      },
    }),
  ),
  ...GLOBAL.map(
    (action): Case => ({
      name: `eng/clean-success-${action}`,
      template: 'minimal',
      from: `test_engine_run_clean_fail.py::test_engine_run_clean_success_${action}`,
      async run(t) {
        await t.ok();
        await t.ok([action]);
        t.assertMissing('output/build');
      },
    }),
  ),
];
