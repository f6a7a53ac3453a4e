# releng-tool tests/unit-tests/test_util_io_cat.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
from pathlib import Path
import os


class TestUtilIoCat(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        # tests will not function in a api logging mode
        if releng_is_api_mode():
            raise HarnessFailure('ignoring checks while in api logging mode')

        # tests will not function in a debugging mode
        if releng_is_debug_mode():
            raise HarnessFailure('ignoring checks while in debug mode')

    def test_utilio_cat_expanded_encoded(self):
        with redirect_stdout() as stream:
            with prepare_workdir() as test_dir:
                test_file1 = Path(test_dir) / 'test-a'
                with test_file1.open('w') as f:
                    f.write('a')

                test_file2 = Path(test_dir) / 'test-b'
                with test_file2.open('w') as f:
                    f.write('b')

                os.environ['R'] = 'a'
                os.environ['S'] = 'b'

                test_file_encoded1 = os.fsencode(f'{test_dir}/test-$R')
                test_file_encoded2 = os.fsencode(f'{test_dir}/test-$S')
                output = releng_cat(test_file_encoded1, test_file_encoded2)

        self.assertTrue(output)
        self.assertEqual(stream.getvalue(), 'ab')

    def test_utilio_cat_expanded_path(self):
        with redirect_stdout() as stream:
            with prepare_workdir() as test_dir:
                test_dir = Path(test_dir)
                test_file1 = test_dir / 'test-a'
                with test_file1.open('w') as f:
                    f.write('a')

                test_file2 = test_dir / 'test-b'
                with test_file2.open('w') as f:
                    f.write('b')

                os.environ['R'] = 'a'
                os.environ['S'] = 'b'
                output = releng_cat(test_dir / 'test-$R', test_dir / 'test-$S')

        self.assertTrue(output)
        self.assertEqual(stream.getvalue(), 'ab')

    def test_utilio_cat_expanded_str(self):
        with redirect_stdout() as stream:
            with prepare_workdir() as test_dir:
                test_file1 = Path(test_dir) / 'test-a'
                with test_file1.open('w') as f:
                    f.write('a')

                test_file2 = Path(test_dir) / 'test-b'
                with test_file2.open('w') as f:
                    f.write('b')

                os.environ['R'] = 'a'
                os.environ['S'] = 'b'
                output = releng_cat(f'{test_dir}/test-$R', f'{test_dir}/test-$S')

        self.assertTrue(output)
        self.assertEqual(stream.getvalue(), 'ab')

    def test_utilio_cat_invalid_file(self):
        with redirect_stdout() as stream:
            with prepare_workdir() as test_dir:
                output = releng_cat(test_dir)

        self.assertFalse(output)
        self.assertEqual(stream.getvalue(), '')

    def test_utilio_cat_missing_file(self):
        with redirect_stdout() as stream:
            with prepare_workdir() as test_dir:
                missing_file = Path(test_dir) / 'missing-file'

                output = releng_cat(missing_file)

        self.assertFalse(output)
        self.assertEqual(stream.getvalue(), '')

    def test_utilio_cat_valid_contents_multiple(self):
        with redirect_stdout() as stream:
            with prepare_workdir() as test_dir:
                test_file1 = Path(test_dir) / 'test1'
                with test_file1.open('w') as f:
                    f.write('1')

                test_file2 = Path(test_dir) / 'test2'
                with test_file2.open('w') as f:
                    f.write('2')

                test_file3 = Path(test_dir) / 'test3'
                with test_file3.open('w') as f:
                    f.write('3')

                output = releng_cat(test_file1, test_file2, test_file3)

        self.assertTrue(output)
        self.assertEqual(stream.getvalue(), '123')

    def test_utilio_cat_valid_contents_single_encoded(self):
        with redirect_stdout() as stream:
            with prepare_workdir() as test_dir:
                test_file = Path(test_dir) / 'test'

                with test_file.open('w') as f:
                    f.write('this is a test')

                test_file_encoded = os.fsencode(test_file)
                output = releng_cat(test_file_encoded)

        self.assertTrue(output)
        self.assertEqual(stream.getvalue(), 'this is a test')

    def test_utilio_cat_valid_contents_single_path(self):
        with redirect_stdout() as stream:
            with prepare_workdir() as test_dir:
                test_file = Path(test_dir) / 'test'

                with test_file.open('w') as f:
                    f.write('this is a test')

                output = releng_cat(test_file)

        self.assertTrue(output)
        self.assertEqual(stream.getvalue(), 'this is a test')

    def test_utilio_cat_valid_contents_single_str(self):
        with redirect_stdout() as stream:
            with prepare_workdir() as test_dir:
                test_file = Path(test_dir) / 'test'

                with test_file.open('w') as f:
                    f.write('this is a test')

                test_file_str = str(test_file)
                output = releng_cat(test_file_str)

        self.assertTrue(output)
        self.assertEqual(stream.getvalue(), 'this is a test')

    def test_utilio_cat_valid_empty(self):
        with redirect_stdout() as stream:
            with prepare_workdir() as test_dir:
                test_file = Path(test_dir) / 'test'

                with test_file.open('w'):
                    pass  # empty

                output = releng_cat(test_file)

        self.assertTrue(output)
        self.assertEqual(stream.getvalue(), '')
