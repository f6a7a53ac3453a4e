# releng_mkdir: what it returns and makes for each way of naming a folder.
import os


@check('test_utilio_mkdir_already_exists')
def mkdir_of_an_existing_folder(d):
    same(releng_mkdir(d), d, 'existing folder')


@check('test_utilio_mkdir_new_dir_str', 'test_utilio_mkdir_new_dir_path',
       'test_utilio_mkdir_new_dir_encoded', 'test_utilio_mkdir_expanded_str',
       'test_utilio_mkdir_expanded_path', 'test_utilio_mkdir_expanded_encoded')
def mkdir_of_each_argument_type(d):
    os.environ['MK_STEM'] = 'made'
    forms = [
        ('str', lambda p: str(p), 'as-str'),
        ('Path', lambda p: p, 'as-path'),
        ('bytes', os.fsencode, 'as-bytes'),
        ('str, $VAR', lambda p: str(p), '$MK_STEM-x'),
        ('Path, $VAR', lambda p: p, '$MK_STEM-y'),
        ('bytes, ${VAR}', os.fsencode, '${MK_STEM}-z'),
    ]
    for label, convert, leaf in forms:
        wanted = d / leaf.replace('${MK_STEM}', 'made').replace('$MK_STEM', 'made')
        expect(not wanted.exists(), label + ': already there')
        got = releng_mkdir(convert(d / leaf))
        same(got, wanted, label)
        expect(wanted.is_dir(), label + ': no folder made')


@check('test_utilio_mkdir_multipart')
def mkdir_joins_its_parts(d):
    got = releng_mkdir(d / 'outer', 'middle', b'inner')
    same(got, d / 'outer' / 'middle' / 'inner', 'joined parts')
    expect(got.is_dir(), 'no nested folder made')


@check('test_utilio_mkdir_fail_on_file')
def mkdir_over_a_file(d):
    blocker = d / 'occupied'
    blocker.write_bytes(b'')
    same(releng_mkdir(blocker), None, 'mkdir over a file')
    expect(blocker.is_file(), 'the file was replaced')
