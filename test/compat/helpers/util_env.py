# releng-tool tests/unit-tests/test_util_env.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
import os
from pathlib import Path
import types


class TestUtilEnv(TestCase):
    def test_utilenv_extendscriptenv(self):
        # extend_script_env is how releng_include(..., source=True) hands an
        # included script's globals back to the caller: the same checks,
        # through the helper (the globals that appear in this script)
        before = set(globals())

        def include(text):
            with prepare_workdir() as work_dir:
                script = Path(work_dir) / 'include.rt'
                script.write_text(text)
                releng_include(script, source=True)
            return {k: globals()[k] for k in set(globals()) - before}

        try:
            # can append new entries
            env = include('EXT_A = 1\nEXT_B = 2\n')
            self.assertEqual(len(env.keys()), 2)
            self.assertIn('EXT_A', env)
            self.assertIn('EXT_B', env)
            self.assertEqual(env['EXT_A'], 1)
            self.assertEqual(env['EXT_B'], 2)

            # will override existing entries
            env = include('EXT_B = 3\n')
            self.assertEqual(len(env.keys()), 2)
            self.assertEqual(env['EXT_A'], 1)
            self.assertEqual(env['EXT_B'], 3)

            # magic values are ignored
            env = include('__magic__ = 4\n')
            self.assertEqual(len(env.keys()), 2)

            # imported built-in functions are ignored
            env = include('EXT_TEST = hash\n')
            self.assertEqual(len(env.keys()), 2)

            # imported functions are ignored
            env = include('from posixpath import join as EXT_TEST\n')
            self.assertEqual(len(env.keys()), 2)

            # imported modules are ignored
            env = include('import json as EXT_TEST\n')
            self.assertEqual(len(env.keys()), 2)
        finally:
            for key in set(globals()) - before:
                del globals()[key]

    def test_utilenv_env_value(self):
        test_env_key = 'RELENG_TOOL_UNIT_TEST_KEY'
        test_env_val = 'NEW_VALUE'

        # check a (should be) empty/unset environment variable
        value = os.environ.get(test_env_key)
        self.assertIsNone(value)

        value = releng_env(test_env_key)
        self.assertIsNone(value)

        # configure an environment variable
        value = releng_env(test_env_key, test_env_val)
        self.assertEqual(value, test_env_val)

        value = releng_env(test_env_key)
        self.assertEqual(value, test_env_val)

        value = os.environ.get(test_env_key)
        self.assertEqual(value, test_env_val)

        # configure an empty environment variable
        value = releng_env(test_env_key, '')
        self.assertEqual(value, '')

        value = releng_env(test_env_key)
        self.assertEqual(value, '')

        value = os.environ.get(test_env_key)
        self.assertEqual(value, '')

        # remove the environment variable
        value = releng_env(test_env_key, None)
        self.assertIsNone(value)

        value = releng_env(test_env_key)
        self.assertIsNone(value)

        value = os.environ.get(test_env_key)
        self.assertIsNone(value)

        # retry removing the environment variable (no-op)
        value = releng_env(test_env_key, None)
        self.assertIsNone(value)

        # verify preventing overwrite
        value = releng_env(test_env_key, test_env_val)
        self.assertEqual(value, test_env_val)

        value = releng_env(test_env_key, 'some-other-value', overwrite=False)
        self.assertEqual(value, test_env_val)
