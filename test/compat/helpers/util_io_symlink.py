# releng-tool tests/unit-tests/test_util_io_symlink.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
from pathlib import Path
import posixpath
import os
import sys


class TestUtilIoSymlink(TestCase):
    @classmethod
    def setUpClass(cls):
        def assertLinkExists(cls, path, *args):
            target = os.path.join(path, *args)
            cls.assertTrue(os.path.islink(target), 'missing link: ' + target)
        cls.assertLinkExists = assertLinkExists

        def assertLinkMatches(cls, target, expected):
            link_value = os.readlink(target)
            if sys.platform == 'darwin':
                # macOS may include a `/private` prefix; ignore it
                link_value = link_value.replace('/private', '')
            elif sys.platform == 'win32':
                # Windows may include a `\\\\?` prefix (UNC path); ignore it
                link_value = link_value.replace('\\\\?\\', '')
            posix_link_value = link_value.replace(os.sep, posixpath.sep)
            posix_expected = expected.replace(os.sep, posixpath.sep)
            cls.assertEqual(posix_link_value, posix_expected)
        cls.assertLinkMatches = assertLinkMatches

        if not callable(getattr(os, 'symlink', None)):
            raise HarnessFailure('symlink not available')

        if sys.platform == 'win32':
            # [WinError 1314] A required privilege is not held by the client
            WINERROR_1314 = 1314

            try:
                with releng_tmpdir(wd=True):
                    os.symlink('arg1', 'arg2')
            except OSError as ex:
                if ex.winerror == WINERROR_1314 or \
                        'symbolic link privilege not held' in str(ex):
                    raise HarnessFailure(
                        'symlink test skipped for Windows') from ex

    def test_utilio_symlink_absolute(self):
        with releng_tmpdir(wd=True) as work_dir:
            rv1 = releng_symlink(       'target1',        'my-link1', relative=False)
            rv2 = releng_symlink('nested/target2',        'my-link2', relative=False)
            rv3 = releng_symlink(       'target3', 'nested/my-link3', relative=False)

            self.assertTrue(rv1)
            self.assertTrue(rv2)
            self.assertTrue(rv3)

            self.assertLinkExists(       'my-link1')
            self.assertLinkExists(       'my-link2')
            self.assertLinkExists('nested/my-link3')

            target1_abspath = os.path.join(work_dir, 'target1')
            target2_abspath = os.path.join(work_dir, 'nested', 'target2')
            target3_abspath = os.path.join(work_dir, 'target3')

            self.assertLinkMatches(       'my-link1', target1_abspath)
            self.assertLinkMatches(       'my-link2', target2_abspath)
            self.assertLinkMatches('nested/my-link3', target3_abspath)

    def test_utilio_symlink_blocked(self):
        with releng_tmpdir(wd=True):
            with open('already-exists', 'w'):
                pass

            with self.assertRaises(SystemExit):
                releng_symlink('target', 'already-exists')

            created = releng_symlink('target', 'already-exists', critical=False)
            self.assertFalse(created)

    def test_utilio_symlink_container(self):
        with releng_tmpdir(wd=True):
            created = releng_symlink('target', 'container', lpd=True)
            self.assertTrue(created)
            self.assertLinkExists('container/target')
            self.assertLinkMatches('container/target', '../target')

    def test_utilio_symlink_expanded(self):
        with releng_tmpdir(wd=True):
            os.environ['TARGET'] = 'my-target'
            os.environ['SYM1_NAME'] = 'my-link1'
            os.environ['SYM2_NAME'] = 'my-link2'
            os.environ['SYM3_NAME'] = 'my-link3'

            rv1 = releng_symlink(            '${TARGET}' ,             '$SYM1_NAME' )
            rv2 = releng_symlink(       Path('${TARGET}'),        Path('$SYM2_NAME'))
            rv3 = releng_symlink(os.fsencode('${TARGET}'), os.fsencode('$SYM3_NAME'))

            self.assertTrue(rv1)
            self.assertTrue(rv2)
            self.assertTrue(rv3)

            self.assertLinkExists('my-link1')
            self.assertLinkExists('my-link2')
            self.assertLinkExists('my-link3')

            self.assertLinkMatches('my-link1', 'my-target')
            self.assertLinkMatches('my-link2', 'my-target')
            self.assertLinkMatches('my-link3', 'my-target')

    def test_utilio_symlink_overwrite(self):
        with releng_tmpdir(wd=True):
            created = releng_symlink('target1', 'my-symlink')
            self.assertTrue(created)
            self.assertLinkExists('my-symlink')
            self.assertLinkMatches('my-symlink', 'target1')

            updated = releng_symlink('target2', 'my-symlink')
            self.assertTrue(updated)
            self.assertLinkExists('my-symlink')
            self.assertLinkMatches('my-symlink', 'target2')

    def test_utilio_symlink_relative(self):
        with releng_tmpdir(wd=True):
            rv1 = releng_symlink(       'target1',        'my-link1')
            rv2 = releng_symlink('nested/target2',        'my-link2')
            rv3 = releng_symlink(       'target3', 'nested/my-link3')

            self.assertTrue(rv1)
            self.assertTrue(rv2)
            self.assertTrue(rv3)

            self.assertLinkExists(       'my-link1')
            self.assertLinkExists(       'my-link2')
            self.assertLinkExists('nested/my-link3')

            self.assertLinkMatches(       'my-link1',        'target1')
            self.assertLinkMatches(       'my-link2', 'nested/target2')
            self.assertLinkMatches('nested/my-link3',     '../target3')

    def test_utilio_symlink_types(self):
        with releng_tmpdir(wd=True):
            rv1 = releng_symlink(            'target' ,             'my-link1' )
            rv2 = releng_symlink(       Path('target'),        Path('my-link2'))
            rv3 = releng_symlink(os.fsencode('target'), os.fsencode('my-link3'))

            self.assertTrue(rv1)
            self.assertTrue(rv2)
            self.assertTrue(rv3)

            self.assertLinkExists('my-link1')
            self.assertLinkExists('my-link2')
            self.assertLinkExists('my-link3')

            self.assertLinkMatches('my-link1', 'target')
            self.assertLinkMatches('my-link2', 'target')
            self.assertLinkMatches('my-link3', 'target')
