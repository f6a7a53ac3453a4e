# releng-tool tests/unit-tests/test_util_io_exists.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
from pathlib import Path
import os


class TestUtilIoExists(TestCase):
    def test_utilio_exists(self):
        assets_dir = str(ASSETS_DIR)

        self.assertTrue(releng_exists(assets_dir))
        self.assertTrue(releng_exists(assets_dir, b'__init__.py'))
        self.assertTrue(releng_exists(assets_dir, 'copy-check-01'))
        self.assertTrue(releng_exists(assets_dir, 'copy-check-01', 'test-file-a'))
        self.assertTrue(releng_exists(assets_dir, Path('copy-check-02')))
        self.assertFalse(releng_exists('this-file-does-not-exist'))

    def test_utilio_exists_expanded(self):
        assets_dir = str(ASSETS_DIR)

        os.environ['PATH_VAL'] = 'copy-check-01'
        path_str = f'{assets_dir}/${{PATH_VAL}}'

        self.assertTrue(releng_exists(path_str))
        self.assertTrue(releng_exists(Path(path_str)))
        self.assertTrue(releng_exists(os.fsencode(path_str)))
