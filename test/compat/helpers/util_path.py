# The path type scripts are handed (ROOT_DIR's) compares equal to strings
# and pathlib paths, and joins with / and + as both.
from pathlib import Path

ScriptPath = type(ROOT_DIR)


@check('test_util_path')
def script_path_behaves_as_str_and_path(d):
    rows = [
        ('equal to a str', ScriptPath('one'), 'one'),
        ('equal to a Path', ScriptPath('two'), Path('two')),
        ('/ gives a str-equal path', ScriptPath('x') / 'y', 'x/y'),
        ('/ gives a Path-equal path', ScriptPath('x') / 'z', Path('x') / 'z'),
        ('+ appends', ScriptPath('base') + '.tail', 'base.tail'),
        ('+ prepends', 'head.' + ScriptPath('base'), 'head.base'),
        ('parent as str', ScriptPath('..'), '..'),
        ('parent as Path', ScriptPath('..'), Path('..')),
    ]
    for label, got, want in rows:
        same(got, want, label)
