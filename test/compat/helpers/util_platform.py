# releng-tool tests/unit-tests/test_util_platform.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
import os


class TestUtilPlatform(TestCase):
    def test_util_platform_error(self):
        with self.assertRaises(SystemExit) as cm:
            releng_exit(code=123)

        self.assertEqual(cm.exception.code, 123)

    def test_util_platform_message_expanded(self):
        os.environ['MSG_TYPE'] = 'special'

        with redirect_stdout() as stream:
            with self.assertRaises(SystemExit):
                releng_exit('my $MSG_TYPE message')

        self.assertIn('my special message', stream.getvalue())

    def test_util_platform_message_no_code(self):
        with redirect_stdout() as stream:
            with self.assertRaises(SystemExit) as cm:
                releng_exit('my message')

        self.assertIn('my message', stream.getvalue())
        self.assertEqual(cm.exception.code, 1)

    def test_util_platform_message_with_code(self):
        with redirect_stdout() as stream:
            with self.assertRaises(SystemExit) as cm:
                releng_exit('my message', 456)

        self.assertIn('my message', stream.getvalue())
        self.assertEqual(cm.exception.code, 456)

    def test_util_platform_success(self):
        with self.assertRaises(SystemExit) as cm:
            releng_exit()

        self.assertEqual(cm.exception.code, 0)
