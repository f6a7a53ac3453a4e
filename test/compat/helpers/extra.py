# Helper behaviours releng-tool documents but its tests do not check (the
# options of releng_execute, releng_ls recursive, releng_env, releng_wd, ...),
# written for this harness and checked against releng-tool first.
from pathlib import Path
import os
import sys


class TestHelpersExtra(TestCase):
    def run(self, result=None):
        with prepare_workdir() as work_dir:
            self.work_dir = Path(work_dir)
            super().run(result)

    def py(self, code):
        return [sys.executable, '-c', code]

    def test_execute_env(self):
        os.environ['EXTRA_KEEP'] = 'kept'
        # env replaces the environment
        rv, out = releng_execute_rv(*self.py(
            'import os; print(os.environ.get("EXTRA_ONLY"), os.environ.get("EXTRA_KEEP"))'),
            env={'EXTRA_ONLY': 'one', 'PATH': os.environ['PATH']})
        self.assertEqual(rv, 0)
        self.assertEqual(out, 'one None')
        # env_update adds to it
        rv, out = releng_execute_rv(*self.py(
            'import os; print(os.environ.get("EXTRA_ADD"), os.environ.get("EXTRA_KEEP"))'),
            env_update={'EXTRA_ADD': 'added'})
        self.assertEqual(out, 'added kept')
        # expansion uses the updated values
        rv, out = releng_execute_rv(*self.py('print("$EXTRA_ADD")'), env_update={'EXTRA_ADD': 'x'})
        self.assertEqual(out, 'x')

    def test_execute_cwd_and_types(self):
        (self.work_dir / 'sub').mkdir()
        rv, out = releng_execute_rv(*self.py('import os; print(os.path.basename(os.getcwd()))'),
                                    cwd=self.work_dir / 'sub')
        self.assertEqual((rv, out), (0, 'sub'))
        # a Path argument
        out = []
        ok = releng_execute([Path(sys.executable), '-c', 'print(1 + 1)'], capture=out)
        self.assertTrue(ok)
        self.assertEqual(out, ['2'])

    def test_execute_failures(self):
        rv, out = releng_execute_rv(*self.py('import sys; print("oops"); sys.exit(3)'))
        self.assertEqual((rv, out), (3, 'oops'))
        self.assertFalse(releng_execute(self.py('import sys; sys.exit(4)'), critical=False,
                                        quiet=True))
        with self.assertRaises(SystemExit):
            releng_execute(self.py('import sys; sys.exit(5)'), quiet=True)
        with self.assertRaises(SystemExit):
            releng_execute(['an_unknown_command_for_sure'], quiet=True)

    def test_execute_capture_lines(self):
        out = []
        releng_execute(self.py('print("one"); print(); print("two")'), capture=out)
        self.assertEqual(out, ['one', 'two'])
        rv, text = releng_execute_rv(*self.py('print("one"); print("two")'), newline='|')
        self.assertEqual(text, 'one|two')

    def test_ls_recursive(self):
        (self.work_dir / 'a' / 'b').mkdir(parents=True)
        (self.work_dir / 'a' / 'b' / 'f2').touch()
        (self.work_dir / 'f1').touch()
        with redirect_stdout() as stream:
            self.assertTrue(releng_ls(self.work_dir, recursive=True))
        self.assertEqual(stream.getvalue().split('\n'), ['a/', 'a/b/', 'a/b/f2', 'f1', ''])
        with redirect_stdout() as stream:
            self.assertTrue(releng_ls(self.work_dir))
        self.assertEqual(stream.getvalue().split('\n'), ['a/', 'f1', ''])

    def test_env_values(self):
        self.assertEqual(releng_env('EXTRA_VALUE', '/x/y'), '/x/y')
        self.assertEqual(os.environ['EXTRA_VALUE'], '/x/y')
        os.environ.pop('EXTRA_NEW', None)
        self.assertEqual(releng_env('EXTRA_NEW', 'v', overwrite=False), 'v')
        self.assertEqual(os.environ['EXTRA_NEW'], 'v')

    def test_wd_creates_and_restores(self):
        owd = os.getcwd()
        target = self.work_dir / 'made' / 'here'
        with releng_wd(target) as wd_path:
            self.assertEqual(Path(wd_path), target)
            self.assertEqual(Path.cwd(), target)
        self.assertEqual(os.getcwd(), owd)
        self.assertTrue(target.is_dir())
        # restored after an exception too
        try:
            with releng_wd(target):
                raise KeyError('x')
        except KeyError:
            pass
        self.assertEqual(os.getcwd(), owd)

    def test_tmpdir_removed_and_wd(self):
        owd = os.getcwd()
        with releng_tmpdir(self.work_dir, wd=True) as tmp:
            self.assertEqual(Path.cwd(), Path(tmp))
            Path('inside').touch()
        self.assertEqual(os.getcwd(), owd)
        self.assertFalse(Path(tmp).exists())
        try:
            with releng_tmpdir(self.work_dir) as tmp2:
                raise KeyError('x')
        except KeyError:
            pass
        self.assertFalse(Path(tmp2).exists())

    def test_mkdir_critical(self):
        f = self.work_dir / 'a-file'
        f.touch()
        with self.assertRaises(SystemExit):
            releng_mkdir(f, critical=True)
        self.assertIsNone(releng_mkdir(f, quiet=True))

    def test_copy_into_existing_folder(self):
        (self.work_dir / 'f').write_text('x')
        (self.work_dir / 'dir').mkdir()
        self.assertTrue(releng_copy(self.work_dir / 'f', self.work_dir / 'dir'))
        self.assertTrue((self.work_dir / 'dir' / 'f').is_file())
        self.assertTrue(releng_move_into(self.work_dir / 'f', self.work_dir / 'new' / 'dir'))
        self.assertTrue((self.work_dir / 'new' / 'dir' / 'f').is_file())
        self.assertFalse((self.work_dir / 'f').exists())

    def test_remove_read_only_tree(self):
        tree = self.work_dir / 'ro'
        (tree / 'sub').mkdir(parents=True)
        (tree / 'sub' / 'file').write_text('x')
        os.chmod(tree / 'sub' / 'file', 0o444)
        os.chmod(tree / 'sub', 0o555)
        self.assertTrue(releng_remove(tree))
        self.assertFalse(tree.exists())

    def test_symlink_lpd_absolute(self):
        with releng_wd(self.work_dir):
            self.assertTrue(releng_symlink('some/target', 'links', lpd=True, relative=False))
            self.assertEqual(os.readlink('links/target'), str(self.work_dir / 'some' / 'target'))

    def test_cat_partial(self):
        (self.work_dir / 'a').write_text('A')
        with redirect_stdout() as stream:
            ok = releng_cat(self.work_dir / 'a', self.work_dir / 'missing')
        self.assertFalse(ok)
        self.assertEqual(stream.getvalue(), '')

    def test_expand_values(self):
        self.assertEqual(releng_expand('$ONLY_KV', kv={'ONLY_KV': 'v'}), 'v')
        self.assertEqual(releng_expand(['$ONLY_KV', 1], kv={'ONLY_KV': 'v'}), ['v', 1])
        self.assertEqual(releng_expand(5), 5)

    def test_step_key_names(self):
        ran = []
        for _ in releng_step('my step', dir_=self.work_dir):
            ran.append(1)
        self.assertEqual(ran, [1])
        self.assertEqual(sorted(p.name for p in self.work_dir.iterdir()),
                         ['.releng-tool-step-my-step'])

    def test_exit_codes(self):
        with self.assertRaises(SystemExit) as cm:
            releng_exit(code=0)
        self.assertEqual(cm.exception.code, 0)
        with redirect_stdout() as stream:
            with self.assertRaises(SystemExit) as cm:
                releng_exit('bad', code=0)
        self.assertEqual(cm.exception.code, 0)
        self.assertIn('bad', stream.getvalue())

    def test_failure_messages(self):
        missing = str(self.work_dir / 'missing-source')
        blocker = self.work_dir / 'blocker'
        blocker.write_text('x')
        calls = [
            lambda q: releng_copy(missing, self.work_dir / 'x', critical=False, quiet=q),
            lambda q: releng_move(missing, self.work_dir / 'x', critical=False, quiet=q),
            lambda q: releng_copy_into(missing, self.work_dir, critical=False, quiet=q),
            lambda q: releng_symlink('t', blocker, critical=False, quiet=q),
            lambda q: releng_mkdir(blocker, quiet=q),
        ]
        for i, call in enumerate(calls):
            # not quiet: an error message on the (redirected) output
            with redirect_stdout() as stream:
                self.assertFalse(call(False))
            self.assertNotEqual(stream.getvalue().strip(), '', 'call %d printed nothing' % i)
            # quiet: nothing
            with redirect_stdout() as stream:
                self.assertFalse(call(True))
            self.assertEqual(stream.getvalue(), '', 'call %d quiet' % i)

    def test_ls_links(self):
        (self.work_dir / 'dir').mkdir()
        (self.work_dir / 'file').touch()
        os.symlink('file', self.work_dir / 'to-file')
        os.symlink('dir', self.work_dir / 'to-dir')
        os.symlink('nowhere', self.work_dir / 'broken')
        with redirect_stdout() as stream:
            self.assertTrue(releng_ls(self.work_dir))
        self.assertEqual(stream.getvalue().split('\n'), [
            'broken -> nowhere', 'dir/', 'file', 'to-dir/ -> dir', 'to-file -> file', ''])
