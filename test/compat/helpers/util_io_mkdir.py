# releng-tool tests/unit-tests/test_util_io_mkdir.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
from pathlib import Path
import os


class TestUtilIoMkdir(TestCase):
    def run(self, result=None):
        with prepare_workdir() as work_dir:
            self.work_dir = Path(work_dir)
            super().run(result)

    def test_utilio_mkdir_already_exists(self):
        result = releng_mkdir(self.work_dir)
        self.assertEqual(result, self.work_dir)

    def test_utilio_mkdir_expanded_encoded(self):
        new_dir = self.work_dir / 'test-dir'
        self.assertFalse(new_dir.exists())

        os.environ['DIR_PREFIX'] = 'test'
        new_dir_encoded = os.fsencode(f'{self.work_dir}/${{DIR_PREFIX}}-dir')
        result = releng_mkdir(new_dir_encoded)
        self.assertEqual(result, new_dir)
        self.assertTrue(new_dir.is_dir())

    def test_utilio_mkdir_expanded_path(self):
        new_dir = self.work_dir / 'test-dir'
        self.assertFalse(new_dir.exists())

        os.environ['DIR_PREFIX'] = 'test'
        result = releng_mkdir(self.work_dir / '$DIR_PREFIX-dir')
        self.assertEqual(result, new_dir)
        self.assertTrue(new_dir.is_dir())

    def test_utilio_mkdir_expanded_str(self):
        new_dir = self.work_dir / 'test-dir'
        self.assertFalse(new_dir.exists())

        os.environ['DIR_PREFIX'] = 'test'
        new_dir_str = f'{self.work_dir}/${{DIR_PREFIX}}-dir'
        result = releng_mkdir(new_dir_str)
        self.assertEqual(result, new_dir)
        self.assertTrue(new_dir.is_dir())

    def test_utilio_mkdir_fail_on_file(self):
        new_file = self.work_dir / 'test-file'
        self.assertFalse(new_file.exists())

        with open(new_file, 'ab'):
            pass

        self.assertTrue(new_file.is_file())

        result = releng_mkdir(new_file)
        self.assertIsNone(result)
        self.assertTrue(new_file.is_file())

    def test_utilio_mkdir_multipart(self):
        new_dir = self.work_dir / 'test-dir'
        self.assertFalse(new_dir.exists())

        expected_dir = new_dir / 'part' / 'leaf'

        result = releng_mkdir(new_dir, 'part', b'leaf')
        self.assertEqual(result, expected_dir)
        self.assertTrue(expected_dir.is_dir())

    def test_utilio_mkdir_new_dir_encoded(self):
        new_dir = self.work_dir / 'test-dir'
        self.assertFalse(new_dir.exists())

        new_dir_encoded = os.fsencode(new_dir)
        result = releng_mkdir(new_dir_encoded)
        self.assertEqual(result, new_dir)
        self.assertTrue(new_dir.is_dir())

    def test_utilio_mkdir_new_dir_path(self):
        new_dir = self.work_dir / 'test-dir'
        self.assertFalse(new_dir.exists())

        result = releng_mkdir(new_dir)
        self.assertEqual(result, new_dir)
        self.assertTrue(new_dir.is_dir())

    def test_utilio_mkdir_new_dir_str(self):
        new_dir = self.work_dir / 'test-dir'
        self.assertFalse(new_dir.exists())

        new_dir_str = str(new_dir)
        result = releng_mkdir(new_dir_str)
        self.assertEqual(result, new_dir)
        self.assertTrue(new_dir.is_dir())
