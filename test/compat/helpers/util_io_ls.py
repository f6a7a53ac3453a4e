# releng_ls prints a folder's entries one a line (folders with a trailing
# /) and returns True; a file or a missing folder prints nothing, False.
import os


def listing(*args):
    """(releng_ls's result, the printed lines) for args."""
    with stdout_text() as out:
        ok = releng_ls(*args)
    return ok, out[0].split('\n')


def sample(d):
    (d / 'inner').mkdir()
    (d / 'alpha.py').write_text('')
    (d / 'beta.txt').write_text('')


@check('test_utilio_ls_valid_directory_contents_str', 'test_utilio_ls_valid_directory_contents_path',
       'test_utilio_ls_valid_directory_contents_encoded', 'test_utilio_ls_expanded_str',
       'test_utilio_ls_expanded_path', 'test_utilio_ls_expanded_encoded')
def ls_for_each_argument_type(d):
    folder = d / 'listed'
    folder.mkdir()
    sample(folder)
    os.environ['LS_LEAF'] = 'listed'
    forms = [
        ('str', str(folder)),
        ('Path', folder),
        ('bytes', os.fsencode(folder)),
        ('str, ${VAR}', '%s/${LS_LEAF}' % d),
        ('Path, ${VAR}', d / '${LS_LEAF}'),
        ('bytes, ${VAR}', os.fsencode('%s/${LS_LEAF}' % d)),
    ]
    for label, given in forms:
        ok, lines = listing(given)
        same(ok, True, label)
        for entry in ('inner/', 'alpha.py', 'beta.txt'):
            expect(entry in lines, '%s: %s not listed in %r' % (label, entry, lines))


@check('test_utilio_ls_valid_directory_workdir')
def ls_of_the_working_folder(d):
    sample(d)
    with releng_wd(d):
        ok, lines = listing()
    same(ok, True, 'result')
    expect('inner/' in lines and 'alpha.py' in lines, 'listed: %r' % lines)


@check('test_utilio_ls_valid_directory_empty')
def ls_of_an_empty_folder(d):
    same(listing(d), (True, ['']), 'empty folder')


@check('test_utilio_ls_invalid_directory', 'test_utilio_ls_missing_directory')
def ls_of_no_folder(d):
    (d / 'plain').write_text('')
    same(listing(d / 'plain'), (False, ['']), 'a file')
    same(listing('no-such-folder'), (False, ['']), 'a missing folder')
