# releng-tool tests/unit-tests/test_util_common.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).


class TestUtilCommon(TestCase):
    def test_util_global_define(self):
        # cleanup
        if 'RELENG_TOOL_TEST_GD' in globals():
            del globals()['RELENG_TOOL_TEST_GD']

        # using provided value
        value = releng_define('RELENG_TOOL_TEST_GD', default='a')
        self.assertEqual(value, 'a')
        self.assertEqual(globals()['RELENG_TOOL_TEST_GD'], 'a')
        self.assertEqual(
            RELENG_TOOL_TEST_GD, 'a')  # noqa: F821  pylint: disable=E0602

        # already configured
        value = releng_define('RELENG_TOOL_TEST_GD', default='b')
        self.assertEqual(value, 'a')
        self.assertEqual(
            RELENG_TOOL_TEST_GD, 'a')  # noqa: F821  pylint: disable=E0602

        # cleanup
        del globals()['RELENG_TOOL_TEST_GD']

        # handle no default
        value = releng_define('RELENG_TOOL_TEST_GD')
        self.assertIsNone(value)
        self.assertIsNone(
            RELENG_TOOL_TEST_GD)  # noqa: F821  pylint: disable=E0602

        # already configured
        value = releng_define('RELENG_TOOL_TEST_GD', default='c')
        self.assertIsNone(value)
        self.assertIsNone(
            RELENG_TOOL_TEST_GD)  # noqa: F821  pylint: disable=E0602

        # cleanup
        del globals()['RELENG_TOOL_TEST_GD']
