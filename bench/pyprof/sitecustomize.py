# Profiles releng's Python bridge workers with cProfile (for bench/ only).
#
#   RELENG_PYPROF_DIR=bench/work/pyprof PYTHONPATH=bench/pyprof \
#     node_modules/.bin/node bin/releng.mjs -R <releng-tool project>
#   python3 -c "import glob, pstats; pstats.Stats(*glob.glob('bench/work/pyprof/w-*.prof')).sort_stats('tottime').print_stats(20)"
#
# Python imports this module at start-up when its folder is on PYTHONPATH.
# Only processes running releng_bridge.py are profiled; each writes
# w-<pid>.prof into RELENG_PYPROF_DIR when it exits.
import os
import sys

if sys.argv and sys.argv[0].endswith('releng_bridge.py') and os.environ.get('RELENG_PYPROF_DIR'):
    import atexit
    import cProfile

    _out = os.path.abspath(os.environ['RELENG_PYPROF_DIR'])
    os.makedirs(_out, exist_ok=True)
    _profile = cProfile.Profile()
    _profile.enable()

    def _dump():
        _profile.disable()
        _profile.dump_stats(os.path.join(_out, 'w-%d.prof' % os.getpid()))

    atexit.register(_dump)
