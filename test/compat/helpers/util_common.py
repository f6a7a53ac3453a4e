# releng_define sets a script global once: a later call keeps the first
# value (None included) and hands it back.
@check('test_util_global_define')
def define_sets_once(d):
    name = 'COMPAT_DEFINED_VALUE'
    g = globals()
    g.pop(name, None)
    # first definition wins, later defaults are ignored
    for first, later in (('first', 'second'), (None, 'ignored')):
        same(releng_define(name, **({} if first is None else {'default': first})), first,
             'first define')
        same(g.get(name, 'unset'), first, 'global after first define')
        same(releng_define(name, default=later), first, 'second define')
        same(g.get(name, 'unset'), first, 'global after second define')
        del g[name]
