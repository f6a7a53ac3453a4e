# releng-tool tests/unit-tests/test_util_io_ls.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
from pathlib import Path
import os


class TestUtilIoLs(TestCase):
    def test_utilio_ls_expanded_encoded(self):
        base_dir = TEST_FILE.parent.parent
        base_dir_str = str(base_dir)

        with redirect_stdout() as stream:
            os.environ['UNIT_TESTS'] = 'unit-tests'
            base_dir_encoded = os.fsencode(f'{base_dir_str}/${{UNIT_TESTS}}')
            listed = releng_ls(base_dir_encoded)

        self.assertTrue(listed)
        entries = stream.getvalue().split('\n')
        self.assertIn('test_util_io_ls.py', entries)

    def test_utilio_ls_expanded_path(self):
        base_dir = TEST_FILE.parent.parent

        with redirect_stdout() as stream:
            os.environ['UNIT_TESTS'] = 'unit-tests'
            listed = releng_ls(base_dir / '${UNIT_TESTS}')

        self.assertTrue(listed)
        entries = stream.getvalue().split('\n')
        self.assertIn('test_util_io_ls.py', entries)

    def test_utilio_ls_expanded_str(self):
        base_dir = TEST_FILE.parent.parent
        base_dir_str = str(base_dir)

        with redirect_stdout() as stream:
            os.environ['UNIT_TESTS'] = 'unit-tests'
            listed = releng_ls(f'{base_dir_str}/${{UNIT_TESTS}}')

        self.assertTrue(listed)
        entries = stream.getvalue().split('\n')
        self.assertIn('test_util_io_ls.py', entries)

    def test_utilio_ls_invalid_directory(self):
        with redirect_stdout() as stream:
            listed = releng_ls(TEST_FILE)

        self.assertFalse(listed)
        self.assertEqual(stream.getvalue(), '')

    def test_utilio_ls_missing_directory(self):
        with redirect_stdout() as stream:
            listed = releng_ls('missing-directory')

        self.assertFalse(listed)
        self.assertEqual(stream.getvalue(), '')

    def test_utilio_ls_valid_directory_contents_encoded(self):
        base_dir = TEST_FILE.parent
        base_dir_encoded = os.fsencode(base_dir)

        with redirect_stdout() as stream:
            listed = releng_ls(base_dir_encoded)

        self.assertTrue(listed)

        entries = stream.getvalue().split('\n')
        self.assertIn('assets/', entries)
        self.assertIn('__init__.py', entries)
        self.assertIn('test_util_io_ls.py', entries)

    def test_utilio_ls_valid_directory_contents_path(self):
        base_dir = TEST_FILE.parent

        with redirect_stdout() as stream:
            listed = releng_ls(base_dir)

        self.assertTrue(listed)

        entries = stream.getvalue().split('\n')
        self.assertIn('assets/', entries)
        self.assertIn('__init__.py', entries)
        self.assertIn('test_util_io_ls.py', entries)

    def test_utilio_ls_valid_directory_contents_str(self):
        base_dir = TEST_FILE.parent
        base_dir_str = str(base_dir)

        with redirect_stdout() as stream:
            listed = releng_ls(base_dir_str)

        self.assertTrue(listed)

        entries = stream.getvalue().split('\n')
        self.assertIn('assets/', entries)
        self.assertIn('__init__.py', entries)
        self.assertIn('test_util_io_ls.py', entries)

    def test_utilio_ls_valid_directory_empty(self):
        # test will not function in a api logging mode
        if releng_is_api_mode():
            raise self.skipTest('ignoring check while in api logging mode')

        # test will not function in a debugging mode
        if releng_is_debug_mode():
            raise self.skipTest('ignoring check while in debug mode')

        with redirect_stdout() as stream:
            with prepare_workdir() as empty_dir:
                listed = releng_ls(empty_dir)

        self.assertTrue(listed)
        self.assertEqual(stream.getvalue(), '')

    def test_utilio_ls_valid_directory_workdir(self):
        base_dir = TEST_FILE.parent

        with releng_wd(base_dir):
            with redirect_stdout() as stream:
                listed = releng_ls()

        self.assertTrue(listed)

        entries = stream.getvalue().split('\n')
        self.assertIn('assets/', entries)
        self.assertIn('__init__.py', entries)
        self.assertIn('test_util_io_ls.py', entries)
