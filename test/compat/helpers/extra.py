# Helper behaviours releng-tool documents but its tests do not check (the
# options of releng_execute, releng_ls recursive, releng_env, releng_wd, ...),
# checked against releng-tool first.
from pathlib import Path
import os
import sys


def py(code):
    return [sys.executable, '-c', code]


@check()
def execute_env(d):
    os.environ['EXTRA_KEEP'] = 'kept'
    # env replaces the environment
    rv, out = releng_execute_rv(*py(
        'import os; print(os.environ.get("EXTRA_ONLY"), os.environ.get("EXTRA_KEEP"))'),
        env={'EXTRA_ONLY': 'one', 'PATH': os.environ['PATH']})
    same(rv, 0)
    same(out, 'one None')
    # env_update adds to it
    rv, out = releng_execute_rv(*py(
        'import os; print(os.environ.get("EXTRA_ADD"), os.environ.get("EXTRA_KEEP"))'),
        env_update={'EXTRA_ADD': 'added'})
    same(out, 'added kept')
    # expansion uses the updated values
    rv, out = releng_execute_rv(*py('print("$EXTRA_ADD")'), env_update={'EXTRA_ADD': 'x'})
    same(out, 'x')


@check()
def execute_cwd_and_types(d):
    (d / 'sub').mkdir()
    rv, out = releng_execute_rv(*py('import os; print(os.path.basename(os.getcwd()))'),
                                cwd=d / 'sub')
    same((rv, out), (0, 'sub'))
    # a Path argument
    out = []
    ok = releng_execute([Path(sys.executable), '-c', 'print(1 + 1)'], capture=out)
    expect(ok, 'ok')
    same(out, ['2'])


@check()
def execute_failures(d):
    rv, out = releng_execute_rv(*py('import sys; print("oops"); sys.exit(3)'))
    same((rv, out), (3, 'oops'))
    expect(not releng_execute(py('import sys; sys.exit(4)'), critical=False, quiet=True),
           'a failing command with critical=False')
    with fails_with(SystemExit):
        releng_execute(py('import sys; sys.exit(5)'), quiet=True)
    with fails_with(SystemExit):
        releng_execute(['an_unknown_command_for_sure'], quiet=True)


@check()
def execute_capture_lines(d):
    out = []
    releng_execute(py('print("one"); print(); print("two")'), capture=out)
    same(out, ['one', 'two'])
    rv, text = releng_execute_rv(*py('print("one"); print("two")'), newline='|')
    same(text, 'one|two')


@check()
def ls_recursive(d):
    (d / 'a' / 'b').mkdir(parents=True)
    (d / 'a' / 'b' / 'f2').touch()
    (d / 'f1').touch()
    with stdout_text() as printed:
        expect(releng_ls(d, recursive=True), 'releng_ls(d, recursive=True)')
    same(printed[0].split('\n'), ['a/', 'a/b/', 'a/b/f2', 'f1', ''])
    with stdout_text() as printed:
        expect(releng_ls(d), 'releng_ls(d)')
    same(printed[0].split('\n'), ['a/', 'f1', ''])


@check()
def env_values(d):
    same(releng_env('EXTRA_VALUE', '/x/y'), '/x/y')
    same(os.environ['EXTRA_VALUE'], '/x/y')
    os.environ.pop('EXTRA_NEW', None)
    same(releng_env('EXTRA_NEW', 'v', overwrite=False), 'v')
    same(os.environ['EXTRA_NEW'], 'v')


@check()
def wd_creates_and_restores(d):
    owd = os.getcwd()
    target = d / 'made' / 'here'
    with releng_wd(target) as wd_path:
        same(Path(wd_path), target)
        same(Path.cwd(), target)
    same(os.getcwd(), owd)
    expect(target.is_dir(), 'target.is_dir()')
    # restored after an exception too
    try:
        with releng_wd(target):
            raise KeyError('x')
    except KeyError:
        pass
    same(os.getcwd(), owd)


@check()
def tmpdir_removed_and_wd(d):
    owd = os.getcwd()
    with releng_tmpdir(d, wd=True) as tmp:
        same(Path.cwd(), Path(tmp))
        Path('inside').touch()
    same(os.getcwd(), owd)
    expect(not Path(tmp).exists(), 'not Path(tmp).exists()')
    try:
        with releng_tmpdir(d) as tmp2:
            raise KeyError('x')
    except KeyError:
        pass
    expect(not Path(tmp2).exists(), 'not Path(tmp2).exists()')


@check()
def mkdir_critical(d):
    f = d / 'a-file'
    f.touch()
    with fails_with(SystemExit):
        releng_mkdir(f, critical=True)
    same(releng_mkdir(f, quiet=True), None, 'releng_mkdir(f, quiet=True)')


@check()
def copy_into_existing_folder(d):
    (d / 'f').write_text('x')
    (d / 'dir').mkdir()
    expect(releng_copy(d / 'f', d / 'dir'), 'releng_copy(d / "f", d / "dir")')
    expect((d / 'dir' / 'f').is_file(), '(d / "dir" / "f").is_file()')
    expect(releng_move_into(d / 'f', d / 'new' / 'dir'), 'move_into a new folder')
    expect((d / 'new' / 'dir' / 'f').is_file(), '(d / "new" / "dir" / "f").is_file()')
    expect(not (d / 'f').exists(), 'not (d / "f").exists()')


@check()
def remove_read_only_tree(d):
    tree = d / 'ro'
    (tree / 'sub').mkdir(parents=True)
    (tree / 'sub' / 'file').write_text('x')
    os.chmod(tree / 'sub' / 'file', 0o444)
    os.chmod(tree / 'sub', 0o555)
    expect(releng_remove(tree), 'releng_remove(tree)')
    expect(not tree.exists(), 'not tree.exists()')


@check()
def symlink_lpd_absolute(d):
    with releng_wd(d):
        expect(releng_symlink('some/target', 'links', lpd=True, relative=False),
               'absolute lpd link')
        same(os.readlink('links/target'), str(d / 'some' / 'target'))


@check()
def cat_partial(d):
    (d / 'a').write_text('A')
    with stdout_text() as printed:
        ok = releng_cat(d / 'a', d / 'missing')
    expect(not ok, 'not ok')
    same(printed[0], '')


@check()
def expand_values(d):
    same(releng_expand('$ONLY_KV', kv={'ONLY_KV': 'v'}), 'v')
    same(releng_expand(['$ONLY_KV', 1], kv={'ONLY_KV': 'v'}), ['v', 1])
    same(releng_expand(5), 5)


@check()
def step_key_names(d):
    ran = []
    for _ in releng_step('my step', dir_=d):
        ran.append(1)
    same(ran, [1])
    same(sorted(p.name for p in d.iterdir()),
                     ['.releng-tool-step-my-step'])


@check()
def exit_codes(d):
    seen = []
    with fails_with(SystemExit, seen):
        releng_exit(code=0)
    same(seen[-1].code, 0, 'code=0')
    with stdout_text() as printed:
        with fails_with(SystemExit, seen):
            releng_exit('bad', code=0)
    same(seen[-1].code, 0, 'a message with code=0')
    expect('bad' in printed[0], 'message not printed')


@check()
def failure_messages(d):
    missing = str(d / 'missing-source')
    blocker = d / 'blocker'
    blocker.write_text('x')
    calls = [
        lambda q: releng_copy(missing, d / 'x', critical=False, quiet=q),
        lambda q: releng_move(missing, d / 'x', critical=False, quiet=q),
        lambda q: releng_copy_into(missing, d, critical=False, quiet=q),
        lambda q: releng_symlink('t', blocker, critical=False, quiet=q),
        lambda q: releng_mkdir(blocker, quiet=q),
    ]
    for i, call in enumerate(calls):
        # not quiet: an error message on the (redirected) output
        with stdout_text() as printed:
            expect(not call(False), 'not call(False)')
        expect(printed[0].strip() != '', 'call %d printed nothing' % i)
        # quiet: nothing
        with stdout_text() as printed:
            expect(not call(True), 'not call(True)')
        same(printed[0], '', 'call %d quiet' % i)


@check()
def ls_links(d):
    (d / 'dir').mkdir()
    (d / 'file').touch()
    os.symlink('file', d / 'to-file')
    os.symlink('dir', d / 'to-dir')
    os.symlink('nowhere', d / 'broken')
    with stdout_text() as printed:
        expect(releng_ls(d), 'releng_ls(d)')
    same(printed[0].split('\n'), [
        'broken -> nowhere', 'dir/', 'file', 'to-dir/ -> dir', 'to-file -> file', ''])
