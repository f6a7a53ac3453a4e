# releng_tmpdir makes a fresh folder under the base it is given (str,
# Path or bytes, variables expanded, parts joined), removes it when the
# block ends, and with wd=True works inside it.
import os
from pathlib import Path


@check('test_utilio_tempdir_str', 'test_utilio_tempdir_path', 'test_utilio_tempdir_encoded',
       'test_utilio_tempdir_expanded_str', 'test_utilio_tempdir_expanded_path',
       'test_utilio_tempdir_expanded_encoded')
def tmpdir_under_each_base_form(d):
    os.environ['TMP_BASE'] = 'var-base'
    forms = [
        ('str', str(d / 'str-base'), d / 'str-base'),
        ('Path', d / 'path-base', d / 'path-base'),
        ('bytes', os.fsencode(d / 'bytes-base'), d / 'bytes-base'),
        ('str, ${VAR}', '%s/${TMP_BASE}' % d, d / 'var-base'),
        ('Path, ${VAR}', d / '${TMP_BASE}' / 'p', d / 'var-base' / 'p'),
        ('bytes, ${VAR}', os.fsencode('%s/${TMP_BASE}/b' % d), d / 'var-base' / 'b'),
    ]
    for label, base, parent in forms:
        with releng_tmpdir(base) as made:
            made = Path(made)
            expect(made.is_dir(), label + ': no folder')
            expect(parent in made.parents, label + ': %s not under %s' % (made, parent))
        expect(not made.exists(), label + ': left behind')


@check('test_utilio_tempdir_multipart')
def tmpdir_joins_base_parts(d):
    with releng_tmpdir(d / 'outer', 'middle', b'inner') as made:
        expect(Path(made).is_dir(), 'no folder')
        expect(d / 'outer' / 'middle' / 'inner' in Path(made).parents, 'not under the joined base')


@check('test_utilio_tempdir_working_directory')
def tmpdir_as_working_folder(d):
    with releng_tmpdir(d / 'wd-base', wd=True) as made:
        same(Path.cwd(), Path(made), 'working folder')
