# releng_remove: files (any argument type, variables expanded), whole
# trees, links (not their targets), a missing path (still True), and a
# denied removal (False, nothing gone).
import os


@check('test_utilio_remove_arg_default_str', 'test_utilio_remove_arg_default_path',
       'test_utilio_remove_arg_default_encoded', 'test_utilio_remove_arg_expanded_str',
       'test_utilio_remove_arg_expanded_path', 'test_utilio_remove_arg_expanded_encoded')
def remove_each_argument_type(d):
    os.environ['RM_STEM'] = 'gone'
    rows = [
        ('str', lambda p: str(p), 'by-str', 'by-str'),
        ('Path', lambda p: p, 'by-path', 'by-path'),
        ('bytes', os.fsencode, 'by-bytes', 'by-bytes'),
        ('str, ${VAR}', lambda p: str(p), '${RM_STEM}-s', 'gone-s'),
        ('Path, ${VAR}', lambda p: p, '${RM_STEM}-p', 'gone-p'),
        ('bytes, ${VAR}', os.fsencode, '${RM_STEM}-b', 'gone-b'),
    ]
    for label, convert, given, real in rows:
        (d / real).write_bytes(b'')
        expect(releng_remove(convert(d / given)) is True, label + ': failed')
        expect(not (d / real).exists(), label + ': still there')


@check('test_utilio_remove_default')
def remove_files_and_trees(d):
    for f in ('top', 'a/in-a', 'a/b/in-b', 'c/in-c', 'c/e/in-e', 'c/e/f/in-f'):
        (d / f).parent.mkdir(parents=True, exist_ok=True)
        (d / f).write_text(f)
    same(releng_remove(d / 'top'), True, 'a file')
    expect(not (d / 'top').exists(), 'the file is still there')
    same(releng_remove(d / 'a' / 'in-a'), True, 'a file in a folder')
    expect(not (d / 'a' / 'in-a').exists() and (d / 'a').is_dir(), 'file gone, folder kept')
    same(releng_remove(d / 'a' / 'b'), True, 'a folder with a file')
    expect(not (d / 'a' / 'b').exists() and (d / 'a').is_dir(), 'subfolder gone, parent kept')
    same(releng_remove(d / 'c'), True, 'a deep tree')
    expect(not (d / 'c').exists(), 'the tree is still there')
    same(releng_remove(d / 'never-made'), True, 'a missing path')


@check('test_utilio_remove_symlink')
def remove_a_link(d):
    (d / 'pointee').write_text('')
    os.symlink('pointee', d / 'pointer')
    same(releng_remove(d / 'pointer'), True, 'a link')
    expect(not os.path.lexists(d / 'pointer'), 'the link is still there')
    expect((d / 'pointee').is_file(), 'the target was removed')


@check('test_utilio_remove_failure')
def remove_denied(d):
    (d / 'empty').mkdir()
    (d / 'full').mkdir()
    (d / 'loose').write_text('')
    (d / 'full' / 'kept').write_text('')
    with removal_denied():
        for name in ('loose', 'full/kept', 'empty'):
            same(releng_remove(d / name), False, 'denied removal of ' + name)
            expect((d / name).exists(), name + ' was removed')
