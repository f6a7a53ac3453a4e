# releng-tool tests/unit-tests/test_util_io_temp_dir.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
from pathlib import Path
import os
import sys
import tempfile


class TestUtilIoTempDir(TestCase):
    def run(self, result=None):
        with tempfile.TemporaryDirectory() as tmpdir:
            self.work_dir = Path(tmpdir)
            super().run(result)

    def test_utilio_tempdir_encoded(self):
        base_dir = self.work_dir / 'base-dir'
        self.assertFalse(base_dir.exists())

        base_dir_encoded = os.fsencode(base_dir)
        with releng_tmpdir(base_dir_encoded) as tmp_dir:
            new_dir = Path(tmp_dir)
            self.assertTrue(new_dir.is_dir())
            self.assertIn(base_dir, new_dir.parents)

        self.assertFalse(new_dir.is_dir())

    def test_utilio_tempdir_expanded_encoded(self):
        base_dir = self.work_dir / 'base-dir'
        self.assertFalse(base_dir.exists())

        os.environ['CONTAINER'] = base_dir.name
        base_dir_str = f'{base_dir}/${{CONTAINER}}'
        base_dir_encoded = os.fsencode(base_dir_str)
        with releng_tmpdir(base_dir_encoded) as tmp_dir:
            new_dir = Path(tmp_dir)
            self.assertTrue(new_dir.is_dir())
            self.assertIn(base_dir, new_dir.parents)

        self.assertFalse(new_dir.is_dir())

    def test_utilio_tempdir_expanded_path(self):
        base_dir = self.work_dir / 'base-dir'
        self.assertFalse(base_dir.exists())

        os.environ['CONTAINER'] = base_dir.name
        base_dir_path = self.work_dir / '${CONTAINER}'
        with releng_tmpdir(base_dir_path) as tmp_dir:
            new_dir = Path(tmp_dir)
            self.assertTrue(new_dir.is_dir())
            self.assertIn(base_dir, new_dir.parents)

        self.assertFalse(new_dir.is_dir())

    def test_utilio_tempdir_expanded_str(self):
        base_dir = self.work_dir / 'base-dir'
        self.assertFalse(base_dir.exists())

        os.environ['CONTAINER'] = base_dir.name
        base_dir_str = f'{base_dir}/${{CONTAINER}}'
        with releng_tmpdir(base_dir_str) as tmp_dir:
            new_dir = Path(tmp_dir)
            self.assertTrue(new_dir.is_dir())
            self.assertIn(base_dir, new_dir.parents)

        self.assertFalse(new_dir.is_dir())

    def test_utilio_tempdir_multipart(self):
        base_dir = self.work_dir / 'base-dir'
        self.assertFalse(base_dir.exists())

        expected_base = base_dir / 'part' / 'leaf'

        with releng_tmpdir(base_dir, 'part', b'leaf') as tmp_dir:
            new_dir = Path(tmp_dir)
            self.assertTrue(new_dir.is_dir())
            self.assertIn(expected_base, new_dir.parents)

    def test_utilio_tempdir_path(self):
        base_dir = self.work_dir / 'base-dir'
        self.assertFalse(base_dir.exists())

        with releng_tmpdir(base_dir) as tmp_dir:
            new_dir = Path(tmp_dir)
            self.assertTrue(new_dir.is_dir())
            self.assertIn(base_dir, new_dir.parents)

    def test_utilio_tempdir_str(self):
        base_dir = self.work_dir / 'base-dir'
        self.assertFalse(base_dir.exists())

        base_dir_str = str(base_dir)
        with releng_tmpdir(base_dir_str) as tmp_dir:
            new_dir = Path(tmp_dir)
            self.assertTrue(new_dir.is_dir())
            self.assertIn(base_dir, new_dir.parents)

    def test_utilio_tempdir_working_directory(self):
        base_dir = self.work_dir / 'base-dir'

        with releng_tmpdir(base_dir, wd=True) as tmp_dir:
            new_dir = Path(tmp_dir)
            self.assertTrue(new_dir.is_dir())

            cwd = Path.cwd()
            if sys.platform == 'darwin' and Path('/private') in cwd.parents:
                cwd = Path('/') / cwd.relative_to(*cwd.parts[:2])

            self.assertEqual(new_dir, cwd)
