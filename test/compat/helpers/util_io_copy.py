# releng_copy / releng_copy_into with the fixture folders copy-check-01
# (test-file-a, -b, -x) and copy-check-02 (test-file-b, -c): merging folder
# contents (later copies win), files into new folders, dst_dir and nested,
# argument types, failures, and how symbolic links are copied (as links).
import os
import shutil
from pathlib import Path

FIRST = ASSETS / 'copy-check-01'
SECOND = ASSETS / 'copy-check-02'


def has(folder, *names):
    for name in names:
        expect((folder / name).exists(), '%s missing in %s' % (name, folder))


def same_text(a, b):
    same(lines_of(a), lines_of(b), 'text of %s against %s' % (b, a))


def points_to(link, value):
    expect(os.path.islink(link), '%s is no link' % link)
    same(os.readlink(link), str(value), 'value of ' + str(link))


@check('test_utilio_copy')
def copy_folders_merge(d):
    same(releng_copy(FIRST, d, critical=False), True, 'first folder')
    has(d, 'test-file-a', 'test-file-b', 'test-file-x')
    same_text(FIRST / 'test-file-b', d / 'test-file-b')
    same(releng_copy(SECOND, d, critical=False), True, 'second folder over it')
    has(d, 'test-file-a', 'test-file-b', 'test-file-c', 'test-file-x')
    same_text(SECOND / 'test-file-b', d / 'test-file-b')


@check('test_utilio_copy')
def copy_files_and_folder_targets(d):
    shutil.copytree(FIRST, d / 'src')
    deep = d / 'one' / 'two'
    # a trailing separator: into a (new) folder
    same(releng_copy(d / 'src' / 'test-file-a', '%s/' % deep, critical=False), True, 'into new folder')
    same_text(d / 'src' / 'test-file-a', deep / 'test-file-a')
    # over an existing file
    same(releng_copy(d / 'src' / 'test-file-b', deep / 'test-file-a', critical=False), True, 'over a file')
    same_text(d / 'src' / 'test-file-b', deep / 'test-file-a')
    # no separator: a file, unless dst_dir=True
    same(releng_copy(d / 'src' / 'test-file-a', d / 'as-file', critical=False), True, 'to a name')
    expect((d / 'as-file').is_file(), 'no file made')
    same(releng_copy(d / 'src' / 'test-file-a', d / 'as-dir', critical=False, dst_dir=True), True,
         'dst_dir')
    expect((d / 'as-dir').is_dir(), 'dst_dir made no folder')
    # nested: the folder itself, not its contents
    same(releng_copy(SECOND, d, nested=True), True, 'nested')
    has(d / 'copy-check-02', 'test-file-b', 'test-file-c')


@check('test_utilio_copy_types', 'test_utilio_copy_expanded')
def copy_argument_types(d):
    (d / 'f0').mkdir()
    os.environ['CP_A'] = 'f3'
    os.environ['CP_B'] = 'f4'
    os.environ['CP_C'] = 'f5'
    rows = [
        ('Path', Path(d / 'f0'), Path(d / 'f1'), 'f1'),
        ('str', str(d / 'f1'), str(d / 'f2'), 'f2'),
        ('bytes', os.fsencode(d / 'f2'), os.fsencode(d / 'f3'), 'f3'),
        ('Path, vars', d / '${CP_A}', d / '${CP_B}', 'f4'),
        ('str, vars', '%s/${CP_B}' % d, '%s/${CP_C}' % d, 'f5'),
        ('bytes, vars', os.fsencode('%s/${CP_C}' % d), os.fsencode('%s/f6' % d), 'f6'),
    ]
    for label, src, dst, made in rows:
        same(releng_copy(src, dst), True, label)
        expect((d / made).is_dir(), label + ': no folder ' + made)
    expect((d / 'f0').is_dir(), 'the first source is gone')


@check('test_utilio_copy_missing', 'test_utilio_copy_self')
def copy_failures(d):
    same(releng_copy(d / 'absent', d / 'to', critical=False), False, 'missing source')
    shutil.copyfile(FIRST / 'test-file-a', d / 'single')
    for label, src, dst in (('missing source', d / 'absent', d / 'to'), ('folder onto itself', d, d),
                            ('file onto itself', d / 'single', d / 'single')):
        with fails_with(SystemExit):
            releng_copy(src, dst)


@check('test_utilio_copyinto')
def copy_into_folders(d):
    same(releng_copy_into(FIRST / 'test-file-a', d, critical=False), True, 'a file')
    has(d, 'test-file-a')
    same(releng_copy_into(FIRST, d, critical=False), True, 'first folder')
    has(d, 'test-file-a', 'test-file-b', 'test-file-x')
    same_text(FIRST / 'test-file-b', d / 'test-file-b')
    same(releng_copy_into(SECOND, d, critical=False), True, 'second folder')
    has(d, 'test-file-a', 'test-file-b', 'test-file-c', 'test-file-x')
    same_text(SECOND / 'test-file-b', d / 'test-file-b')
    same(releng_copy_into(FIRST, d / 'test-file-a', critical=False), False, 'into a file')
    same(releng_copy_into(FIRST, d, nested=True), True, 'nested')
    has(d / 'copy-check-01', 'test-file-a', 'test-file-b', 'test-file-x')
    with fails_with(SystemExit):
        releng_copy_into(SECOND, d / 'test-file-a')


@check('test_utilio_copy_symlink_file_root', 'test_utilio_copy_symlink_file_nested')
def copy_file_links(d):
    real = d / 'real'
    shutil.copyfile(FIRST / 'test-file-a', real)
    os.symlink(real, d / 'link')
    releng_copy(d / 'link', d / 'link-copy')
    points_to(d / 'link-copy', real)
    (d / 'holder').mkdir()
    os.symlink(real, d / 'holder' / 'inner-link')
    releng_copy(d / 'holder', d / 'holder-copy')
    points_to(d / 'holder-copy' / 'inner-link', real)


@check('test_utilio_copy_symlink_dir_root', 'test_utilio_copy_symlink_dir_nested')
def copy_folder_links(d):
    (d / 'place').mkdir()
    (d / 'place' / 'content').touch()
    (d / 'place-link').symlink_to(d / 'place', target_is_directory=True)
    releng_copy(d / 'place-link', d / 'place-link-copy')
    expect((d / 'place-link-copy').is_symlink(), 'the folder link was not copied as a link')
    has(d / 'place-link-copy', 'content')
    (d / 'tree' / 'sub').mkdir(parents=True)
    (d / 'tree' / 'sub' / 'content').touch()
    (d / 'tree' / 'sub-link').symlink_to(d / 'tree' / 'sub')
    releng_copy_into(d / 'tree', d / 'tree-copy')
    expect((d / 'tree-copy' / 'sub').is_dir(), 'the folder was not copied')
    expect((d / 'tree-copy' / 'sub-link').is_symlink(), 'the inner link was not kept a link')
    has(d / 'tree-copy' / 'sub-link', 'content')


@check('test_utilio_copy_symlink_missing', 'test_utilio_copy_symlink_replace')
def copy_dangling_and_replaced_links(d):
    os.chdir(d)
    os.symlink('nowhere-1', 'dangling')
    releng_copy('dangling', 'dangling-copy')
    points_to('dangling-copy', 'nowhere-1')
    os.mkdir('box')
    os.symlink('nowhere-2', 'box/dangling')
    releng_copy('box', 'box-copy')
    points_to('box-copy/dangling', 'nowhere-2')
    # a link copied over another link replaces it
    os.symlink('old-value', 'replaced')
    os.symlink('new-value', 'replacer')
    releng_copy('replacer', 'replaced')
    points_to('replaced', 'new-value')
    os.mkdir('box-2')
    os.symlink('other-value', 'box-2/dangling')
    releng_copy('box', 'box-2')
    points_to('box-2/dangling', 'nowhere-2')
    points_to('box/dangling', 'nowhere-2')
