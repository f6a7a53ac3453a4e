# releng_move / releng_move_into: files and folders to new names, into
# folders (trailing separator, _into, nested=True), over files and
# folders (merged, later wins), argument types, and refused moves.
import os
from pathlib import Path


def tree(d, files):
    """Writes each relative name of files holding its text."""
    for name, text in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(text)


def holds(path, text):
    expect(path.is_file(), '%s is no file' % path)
    same(' '.join(lines_of(path)).strip(), text, 'text of %s' % path)


def gone(path):
    expect(not os.path.lexists(path), '%s is still there' % path)


@check('test_utilio_move')
def move_files(d):
    tree(d, {'f-one': 'one', 'a/b/f-two': 'two', 'f-three': 'three', 'plain': 'plain'})
    same(releng_move(d / 'f-one', d / 'renamed', critical=False), True, 'rename')
    gone(d / 'f-one')
    holds(d / 'renamed', 'one')
    same(releng_move(d / 'a/b/f-two', d / 'x/y/deep', critical=False), True, 'to new folders')
    gone(d / 'a/b/f-two')
    holds(d / 'x/y/deep', 'two')
    same(releng_move(d / 'x/y/deep', os.path.join(d, 'x', 'z', ''), critical=False), True,
         'into a folder by trailing separator')
    holds(d / 'x/z/deep', 'two')
    same(releng_move(d / 'f-three', d / 'renamed', critical=False), True, 'over a file')
    gone(d / 'f-three')
    holds(d / 'renamed', 'three')
    # under a file: refused, nothing touched
    same(releng_move(d / 'renamed', d / 'plain' / 'under', quiet=True, critical=False), False,
         'under a file')
    holds(d / 'renamed', 'three')
    holds(d / 'plain', 'plain')


@check('test_utilio_move')
def move_folders(d):
    tree(d, {'top/mid/leaf': 'leaf', 'top/side': 'side', 'other/kept': 'kept',
             'blocker': 'blocker', 'pack/p1': 'p1', 'pack/p2': 'p2'})
    (d / 'holder').mkdir()
    same(releng_move(d / 'top', d / 'top' / 'mid', quiet=True, critical=False), False,
         'into its own child')
    expect((d / 'top' / 'mid').is_dir(), 'the folder changed')
    # onto an existing folder: the contents merge into it
    same(releng_move(d / 'top' / 'mid', d / 'other', critical=False), True, 'onto a folder')
    gone(d / 'top' / 'mid')
    gone(d / 'other' / 'mid')
    holds(d / 'other' / 'leaf', 'leaf')
    holds(d / 'other' / 'kept', 'kept')
    same(releng_move(d / 'other', d / 'new' / 'place', critical=False), True, 'to new folders')
    gone(d / 'other')
    holds(d / 'new' / 'place' / 'leaf', 'leaf')
    # nested: the folder itself goes inside, new or existing target
    same(releng_move(d / 'pack', d / 'fresh', nested=True), True, 'nested, new target')
    gone(d / 'pack')
    holds(d / 'fresh' / 'pack' / 'p1', 'p1')
    same(releng_move(d / 'fresh', d / 'holder', nested=True), True, 'nested, existing target')
    gone(d / 'fresh')
    holds(d / 'holder' / 'fresh' / 'pack' / 'p2', 'p2')
    # a folder replaces a file
    same(releng_move(d / 'new', d / 'blocker', quiet=True, critical=False), True, 'over a file')
    gone(d / 'new')
    expect((d / 'blocker').is_dir(), 'the file was not replaced')


@check('test_utilio_move_overwrite')
def move_tree_over_tree(d):
    tree(d, {'src/a': 'a-new', 'src/k/b': 'b-new', 'src/k/e/c': 'c-new',
             'dst/a': 'a-old', 'dst/k/b': 'b-old', 'dst/k/e': 'e-old-file'})
    same(releng_move(d / 'src', d / 'mid', critical=False), True, 'to a new base')
    gone(d / 'src')
    holds(d / 'mid' / 'k' / 'e' / 'c', 'c-new')
    same(releng_move(d / 'mid', d / 'dst', critical=False), True, 'over an existing base')
    gone(d / 'mid')
    holds(d / 'dst' / 'a', 'a-new')
    holds(d / 'dst' / 'k' / 'b', 'b-new')
    holds(d / 'dst' / 'k' / 'e' / 'c', 'c-new')


@check('test_utilio_move_into')
def move_into_folders(d):
    tree(d, {'loose': 'loose', 'box/inner/i': 'i', 'box/b': 'b', 'set/s': 's',
             'pack/p': 'p'})
    (d / 'existing').mkdir()
    same(releng_move_into(d / 'loose', d / 'box', critical=False), True, 'a file')
    gone(d / 'loose')
    holds(d / 'box' / 'loose', 'loose')
    same(releng_move_into(d / 'box', d / 'made' / 'here', critical=False), True, 'a folder')
    gone(d / 'box')
    holds(d / 'made' / 'here' / 'b', 'b')
    holds(d / 'made' / 'here' / 'inner' / 'i', 'i')
    same(releng_move_into(d / 'set', os.path.join(d, 'q', 'r', ''), critical=False), True,
         'trailing separator')
    holds(d / 'q' / 'r' / 's', 's')
    same(releng_move_into(d / 'pack', d / 'new-holder', nested=True), True, 'nested, new')
    holds(d / 'new-holder' / 'pack' / 'p', 'p')
    same(releng_move_into(d / 'new-holder', d / 'existing', nested=True), True, 'nested, existing')
    gone(d / 'new-holder')
    holds(d / 'existing' / 'new-holder' / 'pack' / 'p', 'p')


@check('test_utilio_move_types', 'test_utilio_move_expanded')
def move_argument_types(d):
    (d / 'm0').mkdir()
    os.environ['MV_A'] = 'm3'
    os.environ['MV_B'] = 'm4'
    os.environ['MV_C'] = 'm5'
    rows = [
        ('Path', Path(d / 'm0'), Path(d / 'm1'), 'm0', 'm1'),
        ('str', str(d / 'm1'), str(d / 'm2'), 'm1', 'm2'),
        ('bytes', os.fsencode(d / 'm2'), os.fsencode(d / 'm3'), 'm2', 'm3'),
        ('Path, vars', d / '${MV_A}', d / '${MV_B}', 'm3', 'm4'),
        ('str, vars', '%s/${MV_B}' % d, '%s/${MV_C}' % d, 'm4', 'm5'),
        ('bytes, vars', os.fsencode('%s/${MV_C}' % d), os.fsencode('%s/m6' % d), 'm5', 'm6'),
    ]
    for label, src, dst, was, now in rows:
        same(releng_move(src, dst), True, label)
        gone(d / was)
        expect((d / now).is_dir(), label + ': no folder ' + now)


@check('test_utilio_move_to_self', 'test_utilio_move_missing', 'test_utilio_move_invalid_nest')
def move_refusals(d):
    tree(d, {'parent/child/c': 'c', 'parent/p': 'p'})
    same(releng_move(d / 'parent', d / 'parent'), True, 'onto itself (nothing to do)')
    holds(d / 'parent' / 'p', 'p')
    same(releng_move(d / 'absent', d / 'to', critical=False), False, 'missing source')
    with fails_with(SystemExit):
        releng_move(d / 'absent', d / 'to')
    same(releng_move_into(d / 'parent', d / 'parent' / 'child', critical=False), False,
         'into its own child')
    with fails_with(SystemExit):
        releng_move_into(d / 'parent', d / 'parent' / 'child')
    holds(d / 'parent' / 'child' / 'c', 'c')
