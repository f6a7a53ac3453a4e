# releng_cat prints the files it is given one after another (no separator)
# and returns True; a folder or a missing file prints nothing, False.
import os


def cat_of(*files):
    """(releng_cat's result, what it printed)."""
    with stdout_text() as out:
        ok = releng_cat(*files)
    return ok, out[0]


@check('test_utilio_cat_valid_contents_single_str', 'test_utilio_cat_valid_contents_single_path',
       'test_utilio_cat_valid_contents_single_encoded', 'test_utilio_cat_valid_empty')
def cat_of_one_file(d):
    text = d / 'text'
    text.write_text('some file text')
    (d / 'blank').write_text('')
    for label, given in (('str', str(text)), ('Path', text), ('bytes', os.fsencode(text))):
        same(cat_of(given), (True, 'some file text'), label)
    same(cat_of(d / 'blank'), (True, ''), 'an empty file')


@check('test_utilio_cat_valid_contents_multiple', 'test_utilio_cat_expanded_str',
       'test_utilio_cat_expanded_path', 'test_utilio_cat_expanded_encoded')
def cat_of_several_files(d):
    for name in ('x', 'y', 'z'):
        (d / ('part-' + name)).write_text(name.upper())
    same(cat_of(d / 'part-x', d / 'part-y', d / 'part-z'), (True, 'XYZ'), 'three files')
    os.environ['CAT_ONE'] = 'z'
    os.environ['CAT_TWO'] = 'x'
    templates = ('%s/part-$CAT_ONE' % d, '%s/part-$CAT_TWO' % d)
    forms = [
        ('str', templates),
        ('Path', (d / 'part-$CAT_ONE', d / 'part-$CAT_TWO')),
        ('bytes', tuple(os.fsencode(t) for t in templates)),
    ]
    for label, files in forms:
        same(cat_of(*files), (True, 'ZX'), label + ' with variables')


@check('test_utilio_cat_invalid_file', 'test_utilio_cat_missing_file')
def cat_of_no_file(d):
    same(cat_of(d), (False, ''), 'a folder')
    same(cat_of(d / 'absent'), (False, ''), 'a missing file')
