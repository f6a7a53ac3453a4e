# releng-tool tests/unit-tests/test_util_io.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
import os
import sys


class TestUtilIo(TestCase):
    def test_utilio_execution(self):
        result = releng_execute(None, quiet=True, critical=False)
        self.assertFalse(result)

        rv, out = releng_execute_rv(None)
        self.assertEqual(rv, 1)
        self.assertFalse(out)

        result = releng_execute([], quiet=True, critical=False)
        self.assertFalse(result)

        test_cmd = [sys.executable, '-c', 'print("Hello")']
        result = releng_execute(test_cmd, quiet=True, critical=False)
        self.assertTrue(result)

        rv, out = releng_execute_rv(sys.executable, '-c', 'print("Hello")')
        self.assertEqual(rv, 0)
        self.assertEqual(out, 'Hello')

        test_cmd = [sys.executable, '-c', 'print("Partial", end="")']
        result = releng_execute(test_cmd, quiet=True, critical=False)
        self.assertTrue(result)

        rv, out = releng_execute_rv(sys.executable, '-c', 'print("Partial", end="")')
        self.assertEqual(rv, 0)
        self.assertEqual(out, 'Partial')

        result = releng_execute(['an_unknown_command'], quiet=True, critical=False)
        self.assertFalse(result)

        rv, out = releng_execute_rv('an_unknown_command')
        self.assertEqual(rv, 1)
        self.assertFalse(out)

        result = releng_execute('whoami', quiet=True, critical=False)
        self.assertTrue(result)

        # skip output checks if verbose mode is enabled
        if releng_is_verbose_mode():
            raise HarnessFailure(
                'ignoring execution output checks while in verbose mode')

        # verify output
        with redirect_stdout() as stream:
            test_cmd = [
                sys.executable,
                '-c',
                'import sys; print("Hello", file=sys.stderr); print("World")',
            ]
            result = releng_execute(test_cmd, critical=False)
            self.assertTrue(result)
        self.assertEqual(stream.getvalue().strip(), f'Hello{os.linesep}World')

        rv, out = releng_execute_rv(
            sys.executable,
            '-c',
            'import sys; print("Hello", file=sys.stderr); print("World")',
        )
        self.assertEqual(rv, 0)
        self.assertEqual(out.strip(), 'Hello\nWorld')

        rv, out = releng_execute_rv(
            sys.executable,
            '-c',
            'import sys; print("Hello", file=sys.stderr); print("World")',
            newline=os.linesep,
        )
        self.assertEqual(rv, 0)
        self.assertEqual(out.strip(), f'Hello{os.linesep}World')

        # verify output (no stderr)
        with redirect_stdout() as stream:
            test_cmd = [
                sys.executable,
                '-c',
                'import sys; print("Hello", file=sys.stderr); print("World")',
            ]
            result = releng_execute(test_cmd, critical=False, ignore_stderr=True)
            self.assertTrue(result)
        self.assertEqual(stream.getvalue().strip(), 'World')

        rv, out = releng_execute_rv(
            sys.executable,
            '-c',
            'import sys; print("Hello", file=sys.stderr); print("World")',
            ignore_stderr=True,
        )
        self.assertEqual(rv, 0)
        self.assertEqual(out.strip(), 'World')

        # verify output (partial)
        with redirect_stdout() as stream:
            test_cmd = [
                sys.executable,
                '-c',
                'print("Partial", end="")',
            ]
            result = releng_execute(test_cmd, critical=False)
            self.assertTrue(result)
        self.assertEqual(stream.getvalue().strip(), 'Partial')

        rv, out = releng_execute_rv(
            sys.executable,
            '-c',
            'print("Partial", end="")',
        )
        self.assertEqual(rv, 0)
        self.assertEqual(out.strip(), 'Partial')

        # verify variable expansion
        os.environ['VERIFY_EXPANSION'] = 'abc123'
        with redirect_stdout() as stream:
            test_cmd = [sys.executable, '-c', 'print("$VERIFY_EXPANSION")']
            result = releng_execute(test_cmd, critical=False)
            self.assertTrue(result)
        self.assertEqual(stream.getvalue().strip(), 'abc123')

        rv, out = releng_execute_rv(
            sys.executable,
            '-c',
            'print("$VERIFY_EXPANSION")',
        )
        self.assertEqual(rv, 0)
        self.assertEqual(out.strip(), 'abc123')

        # verify disabled variable expansion
        os.environ['VERIFY_EXPANSION'] = 'abc123'
        with redirect_stdout() as stream:
            test_cmd = [sys.executable, '-c', 'print("$VERIFY_EXPANSION")']
            result = releng_execute(test_cmd, critical=False, expand=False)
            self.assertTrue(result)
        self.assertEqual(stream.getvalue().strip(), '$VERIFY_EXPANSION')

        rv, out = releng_execute_rv(
            sys.executable,
            '-c',
            'print("$VERIFY_EXPANSION")',
            expand=False,
        )
        self.assertEqual(rv, 0)
        self.assertEqual(out.strip(), '$VERIFY_EXPANSION')

        # verify quiet mode
        with redirect_stdout() as stream:
            test_cmd = [sys.executable, '-c', 'print("Hello")']
            result = releng_execute(test_cmd, quiet=True, critical=False)
            self.assertTrue(result)
        self.assertEqual(stream.getvalue().strip(), '')

        # verify capture mode which will be silent
        out = []
        with redirect_stdout() as stream:
            test_cmd = [sys.executable, '-c', 'print("Hello")']
            result = releng_execute(test_cmd, critical=False, capture=out)
            self.assertTrue(result)
        self.assertEqual(''.join(out), 'Hello')
        self.assertEqual(stream.getvalue().strip(), '')

        # verify capture mode that is also verbose
        out = []
        with redirect_stdout() as stream:
            test_cmd = [sys.executable, '-c', 'print("Hello")']
            result = releng_execute(test_cmd, quiet=False, critical=False, capture=out)
            self.assertTrue(result)
        self.assertEqual(''.join(out), 'Hello')
        self.assertEqual(stream.getvalue().strip(), 'Hello')
