# Put in front of every helpers/* check file to make one package script.
# A check file registers plain functions with @check(...), naming the
# releng-tool test functions whose behaviour they cover; run_checks() then
# calls each with a fresh scratch folder (a pathlib.Path inside the
# project) and writes ROOT_DIR/results/<group>.json: per function, pass or
# the first failed expectation, and how many expectations it met. The case
# (test/compat/cases/helpers.ts) requires each to have passed with at least one.
import contextlib as _contextlib
import io as _io
import json as _json
import shutil as _shutil
import tempfile as _tempfile
import traceback as _traceback
from pathlib import Path as _Path

_ROOT = _Path(str(ROOT_DIR))
_SCRATCH = _ROOT / 'tmp'
_SCRATCH.mkdir(exist_ok=True)
# put back by run_checks: the same interpreter may run other scripts later
_outer_tempdir = _tempfile.tempdir
_tempfile.tempdir = str(_SCRATCH)

# fixture data the case copies into the project (releng-tool's test assets)
FIXTURES = _ROOT / 'tests' / 'unit-tests'
ASSETS = FIXTURES / 'assets'

_CHECKS = []
_met = [0]


class Unmet(AssertionError):
    """An expectation a check states did not hold."""


def check(*covers):
    """Registers a check function; covers: releng-tool test names it re-expresses."""
    def register(fn):
        _CHECKS.append(fn)
        return fn
    return register


def expect(ok, what):
    """Counts one expectation; raises Unmet (with what) when ok is false."""
    _met[0] += 1
    if not ok:
        raise Unmet(what)


def same(got, want, what=''):
    """Expects got == want."""
    expect(got == want, '%s: got %r, wanted %r' % (what or 'value', got, want))


@_contextlib.contextmanager
def fails_with(kind, seen=None):
    """The block must raise kind (seen, a list, receives the exception)."""
    try:
        yield
    except kind as e:
        if seen is not None:
            seen.append(e)
        _met[0] += 1
        return
    raise Unmet('expected %s' % kind.__name__)


@_contextlib.contextmanager
def stdout_text():
    """Collects what the block prints; yields a list holding the text after it."""
    box = []
    stream = _io.StringIO()
    saved = sys.stdout
    sys.stdout = stream
    try:
        yield box
    finally:
        sys.stdout = saved
        box.append(stream.getvalue())


@_contextlib.contextmanager
def removal_denied(replacement=None):
    """Every file and folder removal raises OSError (as root, a read-only
    folder would not stop one, so the denial is patched in)."""
    from unittest.mock import patch

    def deny(path, **kwargs):
        raise OSError('removal denied by the check')

    fn = replacement or deny
    with patch('os.remove', new=fn), patch('os.rmdir', new=fn), \
            patch('pathlib.Path.rmdir', new=fn), patch('pathlib.Path.unlink', new=fn):
        yield


def lines_of(path):
    """The stripped lines of a text file."""
    with open(path, encoding='utf_8') as f:
        return [line.strip() for line in f]


def run_checks(group):
    """Runs every registered check (the environment, working folder, sys.path
    and sys.stdout put back after each) and writes results/<group>.json."""
    verdicts = {}
    for fn in _CHECKS:
        _met[0] = 0
        env = dict(os.environ)
        cwd = os.getcwd()
        path = list(sys.path)
        stdout = sys.stdout
        scratch = _Path(_tempfile.mkdtemp(prefix='check-'))
        try:
            fn(scratch)
            verdicts[fn.__name__] = {'status': 'pass', 'asserts': _met[0]}
        except BaseException as e:  # a helper's SystemExit fails the check too
            text = ''.join(_traceback.format_exception_only(type(e), e)).strip()
            frames = [f.lineno for f in _traceback.extract_tb(e.__traceback__)
                      if f.filename == run_checks.__code__.co_filename and f.lineno > _OWN_LINES]
            if frames:
                # the script is this file, an empty line, then the check file;
                # the check's own line first, then the helpers it called
                where = ' > '.join(str(n - _OWN_LINES - 1) for n in frames)
                text = 'line %s of %s.py: %s' % (where, group, text)
            verdicts[fn.__name__] = {'status': 'fail', 'asserts': _met[0], 'message': text}
        finally:
            sys.stdout = stdout
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(env)
            sys.path[:] = path
            _shutil.rmtree(scratch, ignore_errors=True)
    del _CHECKS[:]
    _tempfile.tempdir = _outer_tempdir
    out = _ROOT / 'results'
    out.mkdir(exist_ok=True)
    with open(out / (group + '.json'), 'w') as f:
        _json.dump(verdicts, f, indent=1, sort_keys=True)


_OWN_LINES = sys._getframe().f_lineno
