# The start of every helpers/* stage script: a small stand-in for the
# unittest.TestCase the releng-tool tests use, so each releng-tool test
# function is kept as a method calling the public script helper (releng_copy,
# releng_ls, ...) the way the test calls the function behind it. Every
# test's verdict (pass, or the first failed assertion) and its number of
# assertions are written to ROOT_DIR/results/<group>.json, which the case
# (test/compat/cases/helpers.ts) reads. All temporary folders are made inside
# the project (tempfile.tempdir), so nothing is written outside it.
import contextlib as _contextlib
import io as _io
import json as _json
import shutil as _shutil
import tempfile as _tempfile
import traceback as _traceback
from pathlib import Path as _Path

HARNESS_ROOT = _Path(str(ROOT_DIR))
tempfile_dir = HARNESS_ROOT / 'tmp'
tempfile_dir.mkdir(exist_ok=True)
_saved_tempdir = _tempfile.tempdir  # put back by run_tests (the interpreter may run more scripts)
_tempfile.tempdir = str(tempfile_dir)
# releng-tool's tests/unit-tests folder (its assets, __init__.py and the
# listed test file), as the copy the case put into the project.
UNIT_TESTS_DIR = HARNESS_ROOT / 'tests' / 'unit-tests'
ASSETS_DIR = UNIT_TESTS_DIR / 'assets'
TEST_FILE = UNIT_TESTS_DIR / 'test_util_io_ls.py'


class HarnessFailure(AssertionError):
    pass


class _Raises:
    def __init__(self, case, kind):
        self.case = case
        self.kind = kind
        self.exception = None

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        self.case._count()
        if et is None:
            raise HarnessFailure('%s not raised' % self.kind.__name__)
        if not issubclass(et, self.kind):
            return False
        self.exception = ev
        return True


class TestCase:
    """The assertions the releng-tool tests use, counted."""

    def __init__(self, method):
        self.asserts = 0
        self._method = method

    @classmethod
    def setUpClass(cls):
        pass

    def setUp(self):
        pass

    def run(self, result=None):
        # Tests override run() to wrap themselves in a work folder.
        self.setUp()
        getattr(self, self._method)()

    def _count(self):
        self.asserts += 1

    def _check(self, ok, msg, default):
        self._count()
        if not ok:
            raise HarnessFailure(msg or default)

    def assertTrue(self, v, msg=None):
        self._check(bool(v), msg, '%r is not true' % (v,))

    def assertFalse(self, v, msg=None):
        self._check(not v, msg, '%r is not false' % (v,))

    def assertEqual(self, a, b, msg=None):
        self._check(a == b, msg, '%r != %r' % (a, b))

    def assertNotEqual(self, a, b, msg=None):
        self._check(a != b, msg, '%r == %r' % (a, b))

    def assertIsNone(self, v, msg=None):
        self._check(v is None, msg, '%r is not None' % (v,))

    def assertIsNotNone(self, v, msg=None):
        self._check(v is not None, msg, 'unexpectedly None')

    def assertIn(self, a, b, msg=None):
        self._check(a in b, msg, '%r not in %r' % (a, b))

    def assertNotIn(self, a, b, msg=None):
        self._check(a not in b, msg, '%r unexpectedly in %r' % (a, b))

    def skipTest(self, reason):
        # a skip would hide a test: it counts as a failure here
        raise HarnessFailure('skipped: %s' % reason)

    def assertRaises(self, kind):
        return _Raises(self, kind)

    def assertExists(self, path, *args):
        target = _Path(path).joinpath(*args)
        self._check(target.exists(), None, 'missing file: %s' % target)


@_contextlib.contextmanager
def prepare_workdir():
    """A fresh folder for one test (inside the project), removed afterwards."""
    path = _tempfile.mkdtemp(prefix='work-')
    try:
        yield path
    finally:
        _shutil.rmtree(path, ignore_errors=True)


@_contextlib.contextmanager
def redirect_stdout(new_target=None):
    """As releng-tool's tests.redirect_stdout: sys.stdout into a StringIO."""
    stream = new_target or _io.StringIO()
    saved = sys.stdout
    sys.stdout = stream
    try:
        yield stream
    finally:
        sys.stdout = saved


@_contextlib.contextmanager
def mock_os_remove_permission_denied(f=None):
    """As releng-tool's tests: removing files and folders fails (root can
    remove anything, so the failure is emulated, as the tests do)."""
    from unittest.mock import patch

    def _(path, **kwargs):
        raise OSError('Mocked permission denied')

    mock_method = f or _
    with patch('os.remove', new=mock_method), \
            patch('os.rmdir', new=mock_method), \
            patch('pathlib.Path.rmdir', new=mock_method), \
            patch('pathlib.Path.unlink', new=mock_method):
        yield


def compare_contents(first, second):
    """None when both files hold the same lines (stripped), else a message."""
    def lines(p):
        with open(p, encoding='utf_8') as f:
            return [line.strip() for line in f]
    try:
        a = lines(first)
        b = lines(second)
    except OSError as e:
        return 'failed to load: %s' % e
    return None if a == b else 'contents differ: %s %s' % (first, second)


def run_tests(group, cls):
    """Runs every test_* method of cls (in a fresh instance each, with the
    environment, working folder and sys.path restored after it) and writes
    the verdicts to ROOT_DIR/results/<group>.json."""
    results = {}
    cls.setUpClass()
    for name in sorted(n for n in dir(cls) if n.startswith('test_')):
        case = cls(name)
        env = dict(os.environ)
        cwd = os.getcwd()
        path = list(sys.path)
        stdout = sys.stdout
        try:
            case.run()
            results[name] = {'status': 'pass', 'asserts': case.asserts}
        except BaseException as e:  # SystemExit included: a helper ended the test
            text = ''.join(_traceback.format_exception_only(type(e), e)).strip()
            here = run_tests.__code__.co_filename
            lines = [f.lineno for f in _traceback.extract_tb(e.__traceback__)
                     if f.filename == here and f.lineno > _HARNESS_LINES]
            if lines:
                # the build script is this harness, an empty line, the port
                text = 'line %d of the port: %s' % (lines[-1] - _HARNESS_LINES - 1, text)
            results[name] = {'status': 'fail', 'asserts': case.asserts, 'message': text}
        finally:
            sys.stdout = stdout
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(env)
            sys.path[:] = path
    _tempfile.tempdir = _saved_tempdir
    out = HARNESS_ROOT / 'results'
    out.mkdir(exist_ok=True)
    with open(out / (group + '.json'), 'w') as f:
        _json.dump(results, f, indent=1, sort_keys=True)


_HARNESS_LINES = sys._getframe().f_lineno
