# releng-tool tests/unit-tests/test_util_log.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
import os


class TestUtilLog(TestCase):
    def test_utilio_log_expanded(self):
        os.environ['KEYWORD'] = 'example'

        with redirect_stdout() as stream:
            note('this is an $KEYWORD message')

        self.assertIn('this is an example message', stream.getvalue())
