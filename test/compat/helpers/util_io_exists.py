# releng_exists on the fixture assets: found by parts of any type, with
# variables expanded, and a missing name is reported as such.
import os
from pathlib import Path


@check('test_utilio_exists')
def exists_by_parts(d):
    base = str(ASSETS)
    present = [
        (base,),
        (base, b'__init__.py'),
        (base, 'copy-check-01'),
        (base, 'copy-check-01', 'test-file-a'),
        (base, Path('copy-check-02')),
    ]
    for parts in present:
        expect(releng_exists(*parts) is True, 'not found: %r' % (parts,))
    expect(releng_exists('no-such-entry-here') is False, 'a missing name was found')


@check('test_utilio_exists_expanded')
def exists_expands_variables(d):
    os.environ['EXISTS_SUB'] = 'copy-check-01'
    name = '%s/${EXISTS_SUB}' % ASSETS
    for form in (name, Path(name), os.fsencode(name)):
        expect(releng_exists(form) is True, 'not found: %r' % (form,))
