# releng-tool tests/unit-tests/test_util_io_wd.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
from pathlib import Path
import os
import sys
import tempfile


class TestUtilIoWd(TestCase):
    def run(self, result=None):
        with tempfile.TemporaryDirectory() as tmpdir:
            self.work_dir = Path(tmpdir)
            super().run(result)

    def setUp(self):
        self.test_file_name = Path('example-releng-test-file')
        test_file = self.work_dir / self.test_file_name
        with test_file.open('wb'):
            pass

    def test_utilio_wd_default_encoded(self):
        workdir_encoded = os.fsencode(self.work_dir)
        with releng_wd(workdir_encoded) as workdir:
            self.assertEqual(Path(workdir), self._fetch_cwd())
            self.assertEqual(Path(workdir), self.work_dir)
            self.assertTrue(self.test_file_name.is_file())

    def test_utilio_wd_default_path(self):
        with releng_wd(self.work_dir) as workdir:
            self.assertEqual(Path(workdir), self._fetch_cwd())
            self.assertEqual(Path(workdir), self.work_dir)
            self.assertTrue(self.test_file_name.is_file())

    def test_utilio_wd_default_str(self):
        workdir_str = str(self.work_dir)
        with releng_wd(workdir_str) as workdir:
            self.assertEqual(Path(workdir), self._fetch_cwd())
            self.assertEqual(Path(workdir), self.work_dir)
            self.assertTrue(self.test_file_name.is_file())

    def test_utilio_wd_expanded_encoded(self):
        parent_work_dir = self.work_dir.parent
        os.environ['CONTAINER'] = self.work_dir.name
        workdir_str = f'{parent_work_dir}/${{CONTAINER}}'
        workdir_encoded = os.fsencode(workdir_str)
        with releng_wd(workdir_encoded) as workdir:
            self.assertEqual(Path(workdir), self._fetch_cwd())
            self.assertEqual(Path(workdir), self.work_dir)
            self.assertTrue(self.test_file_name.is_file())

    def test_utilio_wd_expanded_path(self):
        parent_work_dir = self.work_dir.parent
        os.environ['CONTAINER'] = self.work_dir.name
        workdir_path = parent_work_dir / '${CONTAINER}'
        with releng_wd(workdir_path) as workdir:
            self.assertEqual(Path(workdir), self._fetch_cwd())
            self.assertEqual(Path(workdir), self.work_dir)
            self.assertTrue(self.test_file_name.is_file())

    def test_utilio_wd_expanded_dir(self):
        parent_work_dir = self.work_dir.parent
        os.environ['CONTAINER'] = self.work_dir.name
        workdir_str = f'{parent_work_dir}/${{CONTAINER}}'
        with releng_wd(workdir_str) as workdir:
            self.assertEqual(Path(workdir), self._fetch_cwd())
            self.assertEqual(Path(workdir), self.work_dir)
            self.assertTrue(self.test_file_name.is_file())

    def _fetch_cwd(self):
        cwd = Path.cwd()
        if sys.platform == 'darwin' and Path('/private') in cwd.parents:
            cwd = Path('/') / cwd.relative_to(*cwd.parts[:2])
        return cwd
