# releng-tool tests/unit-tests/test_util_env.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
import os
import types


class TestUtilEnv(TestCase):
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
