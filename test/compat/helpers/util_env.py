# releng_env reads, sets, empties and unsets environment variables
# (overwrite=False keeps a value); releng_include(source=True) hands back an
# included script's new globals, but not dunder names, builtins, imported
# functions or modules.
import os


@check('test_utilenv_env_value')
def env_get_set_unset(d):
    key = 'COMPAT_ENV_PROBE'
    same(os.environ.get(key), None, 'unset at the start')
    steps = [
        # (value given or absent, what releng_env returns, what the environment then holds)
        ((), None, None),
        (('set-to',), 'set-to', 'set-to'),
        ((), 'set-to', 'set-to'),
        (('',), '', ''),
        ((), '', ''),
        ((None,), None, None),
        ((), None, None),
        ((None,), None, None),
        (('kept',), 'kept', 'kept'),
    ]
    for args, returned, held in steps:
        same(releng_env(key, *args), returned, 'releng_env(%r)' % (args,))
        same(os.environ.get(key), held, 'environment after %r' % (args,))
    same(releng_env(key, 'replaced', overwrite=False), 'kept', 'overwrite=False')
    same(os.environ.get(key), 'kept', 'environment after overwrite=False')


@check('test_utilenv_extendscriptenv')
def include_source_filters_globals(d):
    start = set(globals())

    def new_globals(body):
        script = d / 'part.rt'
        script.write_text(body)
        releng_include(script, source=True)
        return {k: globals()[k] for k in set(globals()) - start}

    try:
        same(new_globals('INC_ONE = 1\nINC_TWO = 2\n'), {'INC_ONE': 1, 'INC_TWO': 2}, 'added')
        same(new_globals('INC_TWO = 22\n'), {'INC_ONE': 1, 'INC_TWO': 22}, 'replaced')
        ignored = [
            '__hidden__ = 5\n',
            'INC_FN = len\n',
            'from os.path import basename as INC_FN\n',
            'import json as INC_MOD\n',
        ]
        for body in ignored:
            same(sorted(new_globals(body)), ['INC_ONE', 'INC_TWO'], 'after %r' % body)
    finally:
        for k in set(globals()) - start:
            del globals()[k]
