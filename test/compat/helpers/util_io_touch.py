# releng_touch makes a file (or keeps an existing one) for each way of
# naming it, and reports success.
import os


@check('test_utilio_touch_already_exists')
def touch_existing_file(d):
    target = d / 'present'
    target.write_bytes(b'')
    expect(releng_touch(target) is True, 'touch of an existing file failed')
    expect(target.is_file(), 'the file is gone')


@check('test_utilio_touch_new_file_str', 'test_utilio_touch_new_file_path',
       'test_utilio_touch_new_file_encoded', 'test_utilio_touch_expanded_str',
       'test_utilio_touch_expanded_path', 'test_utilio_touch_expanded_encoded')
def touch_each_argument_type(d):
    os.environ['TOUCH_STEM'] = 'made'
    forms = [
        ('str', str, 'as-str', 'as-str'),
        ('Path', lambda p: p, 'as-path', 'as-path'),
        ('bytes', os.fsencode, 'as-bytes', 'as-bytes'),
        ('str, ${VAR}', str, '${TOUCH_STEM}-s', 'made-s'),
        ('Path, ${VAR}', lambda p: p, '${TOUCH_STEM}-p', 'made-p'),
        ('bytes, ${VAR}', os.fsencode, '${TOUCH_STEM}-b', 'made-b'),
    ]
    for label, convert, leaf, made in forms:
        expect(not (d / made).exists(), label + ': already there')
        expect(releng_touch(convert(d / leaf)) is True, label + ': touch failed')
        expect((d / made).is_file(), label + ': no file made')


@check('test_utilio_touch_multipart')
def touch_joins_parts_and_makes_folders(d):
    expect(releng_touch(d / 'outer', 'middle', b'leaf') is True, 'touch failed')
    expect((d / 'outer' / 'middle' / 'leaf').is_file(), 'no nested file made')
