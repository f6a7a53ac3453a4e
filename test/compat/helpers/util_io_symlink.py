# releng_symlink: link values (relative by default, absolute with
# relative=False, into a folder with lpd=True), argument types, variables,
# replacing an older link, and a file in the way.
import os
from pathlib import Path


def links_to(link, value, what):
    """Expects link to be a symbolic link holding value."""
    expect(os.path.islink(link), '%s: %s is no link' % (what, link))
    same(os.readlink(link), value, what)


@check('test_utilio_symlink_relative', 'test_utilio_symlink_absolute')
def link_values(d):
    os.chdir(d)
    rows = [
        # (target, link, relative, the value the link holds)
        ('t-one', 'l-one', True, 't-one'),
        ('deep/t-two', 'l-two', True, 'deep/t-two'),
        ('t-three', 'deep/l-three', True, '../t-three'),
        ('t-four', 'l-four', False, str(d / 't-four')),
        ('deep/t-five', 'l-five', False, str(d / 'deep' / 't-five')),
        ('t-six', 'deep/l-six', False, str(d / 't-six')),
    ]
    for target, link, relative, value in rows:
        expect(releng_symlink(target, link, relative=relative) is True, 'link %s failed' % link)
        links_to(link, value, 'link %s (relative=%s)' % (link, relative))


@check('test_utilio_symlink_container')
def link_into_a_folder(d):
    os.chdir(d)
    expect(releng_symlink('pointee', 'holder', lpd=True) is True, 'lpd link failed')
    links_to('holder/pointee', '../pointee', 'link inside the folder')


@check('test_utilio_symlink_types', 'test_utilio_symlink_expanded')
def link_argument_types(d):
    os.chdir(d)
    os.environ['LINK_TARGET'] = 'expanded-target'
    os.environ['LINK_NAME'] = 'expanded'
    rows = [
        ('str', 'plain-target', 'by-str', 'plain-target', 'by-str'),
        ('Path', Path('plain-target'), Path('by-path'), 'plain-target', 'by-path'),
        ('bytes', b'plain-target', b'by-bytes', 'plain-target', 'by-bytes'),
        ('str, vars', '${LINK_TARGET}', '$LINK_NAME-s', 'expanded-target', 'expanded-s'),
        ('Path, vars', Path('${LINK_TARGET}'), Path('$LINK_NAME-p'), 'expanded-target', 'expanded-p'),
        ('bytes, vars', b'${LINK_TARGET}', b'$LINK_NAME-b', 'expanded-target', 'expanded-b'),
    ]
    for label, target, link, value, made in rows:
        expect(releng_symlink(target, link) is True, label + ': failed')
        links_to(made, value, label)


@check('test_utilio_symlink_overwrite')
def link_replaced(d):
    os.chdir(d)
    for value in ('first-target', 'second-target'):
        expect(releng_symlink(value, 'moving-link') is True, 'link to %s failed' % value)
        links_to('moving-link', value, 'link after pointing it at ' + value)


@check('test_utilio_symlink_blocked')
def link_over_a_file(d):
    os.chdir(d)
    Path('a-file').write_text('')
    with fails_with(SystemExit):
        releng_symlink('somewhere', 'a-file')
    same(releng_symlink('somewhere', 'a-file', critical=False), False, 'non-critical')
    expect(not os.path.islink('a-file'), 'the file was replaced')
