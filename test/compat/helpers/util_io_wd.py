# releng_wd enters the folder it is given (str, Path or bytes, variables
# expanded) and yields it.
import os
from pathlib import Path


@check('test_utilio_wd_default_str', 'test_utilio_wd_default_path',
       'test_utilio_wd_default_encoded', 'test_utilio_wd_expanded_dir',
       'test_utilio_wd_expanded_path', 'test_utilio_wd_expanded_encoded')
def wd_for_each_argument_type(d):
    (d / 'marker').write_bytes(b'')
    os.environ['WD_LEAF'] = d.name
    templated = '%s/${WD_LEAF}' % d.parent
    forms = [
        ('str', str(d)),
        ('Path', d),
        ('bytes', os.fsencode(d)),
        ('str, ${VAR}', templated),
        ('Path, ${VAR}', d.parent / '${WD_LEAF}'),
        ('bytes, ${VAR}', os.fsencode(templated)),
    ]
    for label, given in forms:
        with releng_wd(given) as entered:
            same(Path(entered), d, label + ': yielded')
            same(Path.cwd(), d, label + ': working folder')
            expect(Path('marker').is_file(), label + ': marker not seen')
