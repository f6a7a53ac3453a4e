# releng python bridge worker
#
# Started by bridge.ts. It evaluates releng-tool project files (configs,
# package definitions, stage scripts) and reports back; it holds no build
# logic. Channels:
#   fd 1 / fd 2  the running script's output (inherited by its subprocesses)
#   fd 3         control socket, JSON lines both ways
# At the end of each request a marker is written to fd 1 and fd 2 so the
# other side knows all of the request's output has arrived. Log helpers also
# drop a marker into fd 1 so their messages keep their place in the output.

import sys

if sys.version_info < (3, 9):
    sys.stderr.write(
        'releng: python 3.9 or newer is required (found %d.%d)\n' % sys.version_info[:2]
    )
    sys.exit(3)

import builtins  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import pathlib  # noqa: E402
import re  # noqa: E402
import threading  # noqa: E402
import types  # noqa: E402
from pathlib import Path  # noqa: E402


# Modules only some helpers need, imported on first use: a worker's start-up
# is on the critical path of every first run (~15 ms of imports saved).
def _shlex():
    import shlex
    return shlex


def _shutil():
    import shutil
    return shutil


def _subprocess():
    import subprocess
    return subprocess


def _sysconfig():
    import sysconfig
    return sysconfig


def _tempfile():
    import tempfile
    return tempfile


def _traceback():
    import traceback
    return traceback

CTRL_FD = 3
BRIDGE_FILE = os.path.abspath(__file__)

# keep the bridge's own directory out of the user's import path
if sys.path and os.path.abspath(sys.path[0] or '.') == os.path.dirname(BRIDGE_FILE):
    del sys.path[0]


class _Worker:
    tag = 'w'
    debug = False
    verbose = False
    base_env = dict(os.environ)
    base_cwd = os.getcwd()
    last_env = None  # the env of the previous request (later ones send differences)
    shared_env = None  # the run's shared variables, under every request's env (see _apply_shared)
    env_applied = None  # the str form of os.environ as last set by _set_environ
    env_bytes = None  # os.environ's bytes mapping right after that (detects changes by scripts)
    current = None  # the running request (_Request)
    env_globals = None  # (env dict, its globals form), see _env_globals
    env_delta = None  # (previous env, env, unset, set) of the last request, see _set_environ
    functions = {}
    next_function = 0
    python_paths = []  # sys.path registrations, shared by the pool
    seen_python_path = None  # the last request's PYTHONPATH, put on sys.path
    seen_python_dirs = []  # its folders
    env_paths = []  # PATH registrations, shared by the pool
    extensions = None  # _ExtensionRegistry once a project's extensions are loaded
    ext_injected = {}  # names config-loaded listeners added to the script environment
    ext_scoped = {}  # scope -> names package/post-build listeners added (see _ext_scope)
    lock = threading.RLock()
    saved_fds = {}  # fd -> (duplicate, (st_dev, st_ino)) of the original stdout/stderr


class _Request:
    def __init__(self, msg):
        self.id = msg.get('id')
        self.nonce = str(msg.get('nonce') or '')
        self.seq = 0
        self.config = None
        self.new_python_paths = []
        self.new_env_paths = []


# ---------------------------------------------------------------- control i/o


def _send(obj):
    data = (json.dumps(obj, separators=(',', ':')) + '\n').encode('ascii')
    with _Worker.lock:
        view = memoryview(data)
        while view:
            n = os.write(CTRL_FD, view)
            view = view[n:]


class _Reader:
    def __init__(self):
        self.buf = b''

    def read(self):
        while b'\n' not in self.buf:
            chunk = os.read(CTRL_FD, 1 << 16)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line.decode('utf-8'))


def _marker(nonce, tag):
    return ('\0RLNG%s:%s\0' % (nonce, tag)).encode('ascii')


def _flush_std():
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:
            pass


# releng-tool's prefixes, used when a script has redirected sys.stdout.
_LOG_PREFIX = {'debug': '(debug) ', 'err': '(error) ', 'success': '(success) ',
               'verbose': '(verbose) ', 'warn': '(warn) '}


def _stdout_redirected():
    """True while a script has pointed sys.stdout elsewhere (a StringIO, ...)."""
    return sys.stdout is not sys.__stdout__ and sys.stdout is not None


def _emit(level, message):
    if _stdout_redirected():
        # As releng-tool, which prints messages to sys.stdout: a script that
        # redirects it captures them.
        sys.stdout.write(_LOG_PREFIX.get(level, '') + message + '\n')
        return
    req = _Worker.current
    msg = {'type': 'log', 'id': None, 'level': level, 'message': message, 'marker': False}
    if req is not None:
        with _Worker.lock:
            req.seq += 1
            msg['id'] = req.id
            msg['seq'] = req.seq
            _flush_std()
            try:
                os.write(1, _marker(req.nonce, 'l%d' % req.seq))
                msg['marker'] = True
            except OSError:
                pass
    _send(msg)


# ---------------------------------------------------------------- paths


class RelengPath(str):
    """A path that is a str (``+``, ``==``, os.path, open) and joins with ``/``."""

    __slots__ = ()

    def __truediv__(self, other):
        return RelengPath(str(pathlib.PurePath(str(self), os.fspath(other))))

    def __rtruediv__(self, other):
        return RelengPath(str(pathlib.PurePath(os.fspath(other), str(self))))

    def __fspath__(self):
        return str(self)

    def __eq__(self, other):
        if isinstance(other, pathlib.PurePath):
            return pathlib.PurePath(str(self)) == other
        return str.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __getattr__(self, name):
        # pathlib extras not provided by str (parent, name, exists(), ...)
        if name.startswith('__'):
            raise AttributeError(name)
        value = getattr(Path(str(self)), name)
        if callable(value):

            def call(*args, **kwargs):
                return _as_relpath(value(*args, **kwargs))

            return call
        return _as_relpath(value)


def _as_relpath(value):
    if isinstance(value, pathlib.PurePath):
        return RelengPath(str(value))
    return value


def _is_path_name(name):
    return (
        name.endswith('_DIR')
        or name.endswith('_DEFDIR')
        or name in ('PREFIX', 'RELENG_SCRIPT', 'PKG_CACHE_FILE')
    )


def _path_in(value, *more):
    path = os.fsdecode(os.fspath(value))
    if more:
        path = os.path.join(path, *[os.fsdecode(os.fspath(m)) for m in more])
    return releng_expand(path)


class RelengCriticalError(SystemExit):
    """Raised by helpers when a critical operation fails (ends the script)."""

    def __init__(self, message, code=1):
        SystemExit.__init__(self, code)
        self.message = message

    def __str__(self):
        return self.message


def _fail(message, quiet=False, critical=True):
    if critical:
        raise RelengCriticalError(message)
    if not quiet:
        err(message)
    return False


# ---------------------------------------------------------------- log helpers


def _format(msg, args, expand=True):
    msg = str(msg)
    if expand:
        msg = releng_expand(msg)
    if args:
        msg = msg.format(*args)
    return msg


def log(msg='', *args, end='\n', expand=True):
    """log a message"""
    _emit('log', _format(msg, args, expand))


def note(msg, *args):
    """log a notification message"""
    _emit('note', _format(msg, args))


def warn(msg, *args):
    """log a warning message"""
    _emit('warn', _format(msg, args))


def err(msg, *args):
    """log an error message"""
    _emit('err', _format(msg, args))


def success(msg, *args):
    """log a success message"""
    _emit('success', _format(msg, args))


def hint(msg, *args):
    """log a hint message"""
    _emit('hint', _format(msg, args))


def debug(msg, *args):
    """log a debug message (only when debugging)"""
    if _Worker.debug:
        _emit('debug', _format(msg, args))


def verbose(msg, *args):
    """log a verbose message (only in verbose mode)"""
    if _Worker.verbose or _Worker.debug:  # debugging implies verbose (releng-tool)
        _emit('verbose', _format(msg, args))


def releng_is_debug_mode(tag=None):
    return bool(_Worker.debug)


def releng_is_verbose_mode(tag=None):
    return bool(_Worker.verbose or _Worker.debug)


def releng_is_api_mode():
    return False


# ---------------------------------------------------------------- expansion

_VAR_CHARS = re.compile(r'[A-Za-z0-9_]*')


def _expand_str(text, values):
    if '$' not in text:
        return text
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c != '$':
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt == '$':
            out.append('$')  # `$$` is an escaped `$` (as releng-tool)
            i += 2
        elif not nxt or nxt.isspace():
            out.append('$')
            i += 1
        elif nxt == '{':
            close = text.find('}', i + 2)
            if close < 0:
                out.append(text[i:])
                break
            out.append(str(values.get(text[i + 2 : close], '')))
            i = close + 1
        else:
            rest = _VAR_CHARS.match(text, i + 2).end()
            out.append(str(values.get(text[i + 1 : rest], '')))
            i = rest
    return ''.join(out)


def releng_expand(obj, kv=None):
    """expand ``$VAR`` / ``${VAR}`` from kv and os.environ (unknown: empty)"""
    values = dict(os.environ)
    if kv:
        values.update(kv)
    return _expand(obj, values)


def _expand(obj, values):
    if isinstance(obj, str):
        expanded = _expand_str(obj, values)
        return RelengPath(expanded) if isinstance(obj, RelengPath) else expanded
    if isinstance(obj, dict):
        return {_expand(k, values): _expand(v, values) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_expand(v, values) for v in obj]
    if isinstance(obj, set):
        return {_expand(v, values) for v in obj}
    return obj


# ---------------------------------------------------------------- execution


def _cmd_str(args):
    return _shlex().join(args) if isinstance(args, list) else str(args)


def _execute(args, cwd=None, env=None, env_update=None, quiet=None, critical=True,
             capture=None, expand=True, args_str=False, ignore_stderr=False):
    if isinstance(args, (str, bytes, os.PathLike)):
        args = [args]
    args = ['' if a is None else (os.fsdecode(os.fspath(a)) if isinstance(a, (bytes, os.PathLike))
            else str(a)) for a in (args or [])]

    final_env = None
    if env:
        final_env = {str(k): str(v) for k, v in env.items() if v is not None}
    if env_update:
        if final_env is None:
            final_env = dict(os.environ)
        for k, v in env_update.items():
            if v is None:
                final_env.pop(str(k), None)
            else:
                final_env[str(k)] = os.fspath(v) if isinstance(v, os.PathLike) else str(v)

    if quiet is None:
        quiet = capture is not None
    if expand:
        args = releng_expand(args, kv=final_env)

    cmd = _cmd_str(args) if args else '<empty>'
    rv = 1
    if args:
        verbose('invoking: ' + cmd)
        stdout = None
        stderr = _subprocess().DEVNULL if ignore_stderr else None
        # A script that redirected sys.stdout gets the output there (as
        # releng-tool, which forwards the command's output to sys.stdout).
        forward = capture is None and not quiet and _stdout_redirected()
        if capture is not None or forward:
            stdout = _subprocess().PIPE
            if not ignore_stderr:
                stderr = _subprocess().STDOUT
        elif quiet:
            stdout = _subprocess().DEVNULL
            stderr = _subprocess().DEVNULL
        _flush_std()
        try:
            proc = _subprocess().Popen(
                ' '.join(args) if args_str else args,
                shell=bool(args_str),
                cwd=os.fspath(cwd) if cwd is not None else None,
                env=final_env,
                stdin=_subprocess().DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )
        except OSError as e:
            message = 'unable to execute command: %s\n    %s' % (cmd, e)
            if critical:
                raise RelengCriticalError(message) from None
            if not quiet:
                err(message)
            return 1
        if capture is not None:
            pending = b''
            while True:
                data = proc.stdout.read1(65536) if hasattr(proc.stdout, 'read1') \
                    else proc.stdout.read(65536)
                if not data:
                    break
                if not quiet:
                    if _stdout_redirected():
                        sys.stdout.write(data.decode('utf-8', 'replace'))
                    else:
                        _write_all(1, data)
                pending += data
                lines = re.split(rb'\r\n|\r|\n', pending)
                pending = lines.pop()
                for line in lines:
                    text = line.decode('utf-8', 'replace').rstrip()
                    if text:
                        capture.append(text)
            text = pending.decode('utf-8', 'replace').rstrip()
            if text:
                capture.append(text)
            proc.stdout.close()
        elif forward:
            for data in iter(lambda: proc.stdout.read(65536), b''):
                sys.stdout.write(data.decode('utf-8', 'replace'))
            proc.stdout.close()
        rv = proc.wait()

    if rv != 0:
        if critical:
            # The command's own exit code is what the user needs to see.
            raise RelengCriticalError('failed to issue command (%s): %s' % (rv, cmd), rv if isinstance(rv, int) and rv > 0 else 1)
        debug('failed to issue command (%s): %s', rv, cmd)
    return rv


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def releng_execute(args, cwd=None, env=None, env_update=None, quiet=None, critical=True,
                   poll=False, capture=None, expand=True, args_str=False, ignore_stderr=False,
                   **kwargs):
    """run a command; True on success (critical: a failure ends the script)"""
    return _execute(args, cwd=cwd, env=env, env_update=env_update, quiet=quiet,
                    critical=critical, capture=capture, expand=expand, args_str=args_str,
                    ignore_stderr=ignore_stderr) == 0


def releng_execute_rv(command, *args, **kwargs):
    """run a command; returns ``(rv, output)``"""
    out = []
    rv = _execute([command, *args], cwd=kwargs.get('cwd'), env=kwargs.get('env'),
                  env_update=kwargs.get('env_update'), quiet=True, critical=False,
                  capture=out, expand=kwargs.get('expand', True),
                  args_str=kwargs.get('args_str', False),
                  ignore_stderr=kwargs.get('ignore_stderr', False))
    return rv, kwargs.get('newline', '\n').join(out)


def releng_exit(msg=None, code=None):
    """end the script (message: error, default code 1; no message: code 0)"""
    if isinstance(msg, int) and not isinstance(msg, bool) and code is None:
        msg, code = None, msg
    if msg:
        if code == 0:
            err(msg)
            raise SystemExit(0)
        if _stdout_redirected():
            # releng-tool prints the message at once, to sys.stdout
            err(msg)
        raise RelengExit(_format(msg, ()), 1 if code is None else code)
    raise SystemExit(0 if code is None else code)


class RelengExit(RelengCriticalError):
    """releng_exit(msg, code): its code is the process's exit code (as releng-tool)"""


# ---------------------------------------------------------------- file helpers


def releng_cat(file, *args):
    """print files' contents; False (printing nothing) if one is not a file"""
    paths = [_path_in(path) for path in (file, *args)]
    if not all(os.path.isfile(path) for path in paths):
        return False
    try:
        for path in paths:
            with open(path, 'r', encoding='utf-8', errors='replace') as f:
                sys.stdout.write(f.read())
    except OSError:
        return False
    finally:
        sys.stdout.flush()
    return True


def releng_exists(path, *args):
    return os.path.exists(_path_in(path, *args))


def releng_ls(dir_=None, *, recursive=False):
    base = _path_in(dir_) if dir_ is not None else os.getcwd()
    if not os.path.isdir(base):
        return False

    def walk(folder, rel):
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            name = rel + entry.name
            # as releng-tool: `dir/`, `link -> target`, `dir-link/ -> target`
            desc = '/' if entry.is_dir() else ''
            if entry.is_symlink():
                desc += ' -> ' + os.readlink(entry.path)
            print(name + desc)
            if recursive and entry.is_dir(follow_symlinks=False):
                walk(entry.path, name + '/')

    try:
        walk(base, '')
    except OSError:
        return False
    return True


def releng_mkdir(dir_, *args, **kwargs):
    path = _path_in(dir_, *args)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        _fail('unable to create directory: %s\n    %s' % (path, e),
              kwargs.get('quiet', False), kwargs.get('critical', False))
        return None
    return RelengPath(path)


def releng_touch(file, *args):
    path = _path_in(file, *args)
    try:
        # as releng-tool: the file's folder is made when missing
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(path, 'a'):
            pass
        os.utime(path, None)
    except OSError:
        return False
    return True


def _copy_file(src, dst):
    if os.path.islink(dst) or (os.path.lexists(dst) and not os.path.isdir(dst)):
        os.unlink(dst)  # never write through an existing link
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
    else:
        _shutil().copy2(src, dst)


def _copy_tree(src, dst):
    if os.path.lexists(dst) and not os.path.isdir(dst):
        # a folder is never copied over a file (as releng-tool)
        raise NotADirectoryError('not a directory: %s' % dst)
    os.makedirs(dst, exist_ok=True)
    for entry in os.scandir(src):
        target = os.path.join(dst, entry.name)
        if entry.is_dir(follow_symlinks=False):
            _copy_tree(entry.path, target)
        else:
            _copy_file(entry.path, target)
    _shutil().copystat(src, dst)


def _target(src, dst, dst_dir, nested, is_dir):
    if is_dir:
        return os.path.join(dst, os.path.basename(os.path.normpath(src))) if nested else dst
    into = dst_dir
    if into is None:
        into = dst.endswith(('/', os.sep)) or (os.path.isdir(dst) and not os.path.islink(dst))
    return os.path.join(dst, os.path.basename(src)) if into else dst


def releng_copy(src, dst, *, quiet=False, critical=True, dst_dir=None, nested=False):
    """copy a file or a directory's contents (``nested``: the directory itself)"""
    src = _path_in(src)
    dst = _path_in(dst)
    if not os.path.lexists(src):
        return _fail('unable to copy: source does not exist: %s' % src, quiet, critical)
    is_dir = os.path.isdir(src) and not os.path.islink(src)
    target = _target(src, dst, dst_dir, nested, is_dir)
    try:
        if is_dir:
            _copy_tree(src, target)
        else:
            parent = os.path.dirname(target)
            if parent:
                os.makedirs(parent, exist_ok=True)
            _copy_file(src, target)
    except (OSError, _shutil().Error) as e:
        return _fail('unable to copy %s to %s\n    %s' % (src, target, e), quiet, critical)
    return True


def releng_copy_into(src, dst, *, quiet=False, critical=True, nested=False):
    return releng_copy(src, dst, quiet=quiet, critical=critical, dst_dir=True, nested=nested)


def _move_merge(src, dst):
    if os.path.isdir(src) and not os.path.islink(src) and os.path.isdir(dst) \
            and not os.path.islink(dst):
        for entry in os.listdir(src):
            _move_merge(os.path.join(src, entry), os.path.join(dst, entry))
        os.rmdir(src)
        return
    if os.path.lexists(dst):
        if os.path.isdir(dst) and not os.path.islink(dst):
            _shutil().rmtree(dst)
        else:
            os.unlink(dst)
    _shutil().move(src, dst)


def releng_move(src, dst, *, quiet=False, critical=True, dst_dir=None, nested=False):
    """move a file or a directory's contents (``nested``: the directory itself)"""
    src = _path_in(src)
    dst = _path_in(dst)
    if not os.path.lexists(src):
        return _fail('unable to move: source does not exist: %s' % src, quiet, critical)
    is_dir = os.path.isdir(src) and not os.path.islink(src)
    target = _target(src, dst, dst_dir, nested, is_dir)
    try:
        if os.path.abspath(src) == os.path.abspath(target):
            return True
        parent = os.path.dirname(os.path.abspath(target))
        os.makedirs(parent, exist_ok=True)
        if is_dir and not nested:
            if os.path.lexists(target) and not os.path.isdir(target):
                os.remove(target)  # a folder moved onto a file replaces it
            os.makedirs(target, exist_ok=True)
            for entry in os.listdir(src):
                _move_merge(os.path.join(src, entry), os.path.join(target, entry))
            os.rmdir(src)
        else:
            _move_merge(src, target)
    except (OSError, _shutil().Error) as e:
        return _fail('unable to move %s to %s\n    %s' % (src, target, e), quiet, critical)
    return True


def releng_move_into(src, dst, *, quiet=False, critical=True, nested=False):
    return releng_move(src, dst, quiet=quiet, critical=critical, dst_dir=True, nested=nested)


def _rm_readonly(func, path, _exc):
    try:
        os.chmod(path, 0o700)
        func(path)
    except OSError:
        pass


def _rmtree(path):
    if sys.version_info >= (3, 12):
        _shutil().rmtree(path, onexc=_rm_readonly)
    else:
        _shutil().rmtree(path, onerror=_rm_readonly)


def releng_remove(path, quiet=False):
    """remove a file or tree; True if gone"""
    path = _path_in(path)
    try:
        if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
            os.remove(path)
        elif os.path.isdir(path):
            _rmtree(path)
    except OSError as e:
        if not quiet:
            err('unable to remove path: %s\n    %s' % (path, e))
        return False
    if os.path.lexists(path):
        if not quiet:
            err('unable to remove path: %s' % path)
        return False
    return True


def releng_symlink(target, link_path, *, quiet=False, critical=True, lpd=False, relative=True):
    target = _path_in(target)
    link_path = _path_in(link_path)
    if lpd:
        link_path = os.path.join(link_path, os.path.basename(os.path.normpath(target)))
    if os.path.lexists(link_path) and not os.path.islink(link_path):
        return _fail('unable to create symbolic link: path exists: %s' % link_path,
                     quiet, critical)
    try:
        link_dir = os.path.dirname(os.path.abspath(link_path))
        os.makedirs(link_dir, exist_ok=True)
        value = os.path.abspath(target)
        if relative:
            value = os.path.relpath(value, link_dir)
        if os.path.islink(link_path):
            os.unlink(link_path)
        os.symlink(value, link_path)
    except OSError as e:
        return _fail('unable to create symbolic link %s\n    %s' % (link_path, e),
                     quiet, critical)
    return True


@contextlib.contextmanager
def releng_tmpdir(dir_=None, *args, **kwargs):
    """temporary directory (removed afterwards); ``wd=True`` also enters it"""
    base = _path_in(dir_, *args) if dir_ is not None else None
    if base:
        os.makedirs(base, exist_ok=True)
    path = _tempfile().mkdtemp(prefix='.releng-tmp-', dir=base)
    owd = os.getcwd()
    try:
        if kwargs.get('wd'):
            os.chdir(path)
        yield RelengPath(path)
    finally:
        if kwargs.get('wd'):
            os.chdir(owd)
        _rmtree(path)


@contextlib.contextmanager
def releng_wd(dir_):
    """run the block in a working directory (created if missing)"""
    path = _path_in(dir_)
    os.makedirs(path, exist_ok=True)
    owd = os.getcwd()
    os.chdir(path)
    try:
        yield RelengPath(path)
    finally:
        os.chdir(owd)


def releng_step(key, *, force=None, dir_=None):
    """``for _ in releng_step('name'):`` runs the body once (flag file)"""
    simple = re.sub(r'[^\w.-]', '-', key).strip('.')
    if dir_ is None:
        dir_ = sys._getframe(0).f_back.f_globals.get('PKG_BUILD_OUTPUT_DIR')
        if dir_ is None:
            raise RuntimeError('releng_step: PKG_BUILD_OUTPUT_DIR not defined')

    def gen(folder):
        os.makedirs(folder, exist_ok=True)
        flag = os.path.join(folder, '.releng-tool-step-' + simple)
        if not force and os.path.exists(flag):
            return
        yield
        with open(flag, 'a'):
            pass

    return gen(_path_in(dir_))


# ---------------------------------------------------------------- environment


_ENV_UNSET = object()


def releng_env(key, value=_ENV_UNSET, *, overwrite=True):
    """get (no value), set, or with value None unset an environment variable"""
    if value is _ENV_UNSET:
        return os.environ.get(key)
    if value is None:
        os.environ.pop(key, None)
    elif not overwrite and key in os.environ:
        return os.environ.get(key)
    else:
        os.environ[key] = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    return value


def _apply_env_path(path, prepend):
    current = os.environ.get('PATH', '')
    parts = current.split(os.pathsep) if current else []
    if path in parts:
        return
    parts = [path, *parts] if prepend else [*parts, path]
    os.environ['PATH'] = os.pathsep.join(parts)


def releng_register_env_path(dir_, *, critical=True, prepend=False):
    path = _path_in(dir_)
    if not os.path.isdir(path):
        return _fail('unable to register missing directory into PATH\n    %s' % path,
                     False, critical)
    _apply_env_path(path, prepend)
    entry = {'path': path, 'prepend': bool(prepend)}
    if entry not in _Worker.env_paths:
        _Worker.env_paths.append(entry)
        if _Worker.current is not None:
            _Worker.current.new_env_paths.append(entry)
    return True


def releng_register_python_path(dir_, *, critical=True, prepend=False):
    path = _path_in(dir_)
    if not os.path.isdir(path):
        return _fail('unable to register missing directory into module search path\n'
                     '    %s' % path, False, critical)
    if path not in sys.path:
        if prepend:
            sys.path.insert(0, path)
        else:
            sys.path.append(path)
    if path not in _Worker.python_paths:
        _Worker.python_paths.append(path)
        if _Worker.current is not None:
            _Worker.current.new_python_paths.append(path)
    return True


def releng_define(var, default=None):
    caller = sys._getframe(0).f_back.f_globals
    if var not in caller:
        caller[var] = default
    return caller[var]


def _version_list(text, relaxed):
    """releng-tool's str_to_version: dotted integers, trailing zeros dropped
    (1.0.0 == 1); a part that is no integer is 0 when relaxed, else ValueError."""
    out = []
    for part in str(text).split('.'):
        try:
            out.append(int(part))
        except ValueError:
            if not relaxed:
                raise
            out.append(0)
    while out and out[-1] == 0:
        out.pop()
    return out or [0]


def releng_require_version(minver=None, **kwargs):
    caller = sys._getframe(0).f_back.f_globals
    current = caller.get('releng_version') or getattr(releng_module, 'releng_version', None)
    if not current:
        return True
    quiet = kwargs.get('quiet', False)
    critical = kwargs.get('critical', True)
    have = _version_list(current, True)
    maxver = kwargs.get('maxver')
    ok = True
    for bound, newer in ((minver, True), (maxver, False)):
        if not bound or str(bound) == str(current):
            continue
        try:
            want = _version_list(bound, False)
        except ValueError:
            if _fail('required releng-tool version check has failed: "%s" is not a '
                     'dotted version such as 1.2' % bound, quiet, critical) is False:
                ok = False
            want = _version_list(bound, True)
        if (newer and have < want) or (not newer and have > want):
            _fail('required releng-tool version check has failed: requires releng-tool '
                  '%s or %s (running %s)' % (bound, 'newer' if newer else 'older', current),
                  quiet, critical)
            ok = False
    return ok


@contextlib.contextmanager
def _script_env(path):
    # As releng-tool, a script's own path is in the environment too while it
    # runs (an include's while it runs, then the includer's again).
    saved = {k: os.environ.get(k) for k in ('RELENG_SCRIPT', 'RELENG_SCRIPT_DIR')}
    os.environ['RELENG_SCRIPT'] = path
    os.environ['RELENG_SCRIPT_DIR'] = os.path.dirname(path)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def releng_include(file_path, *, source=False):
    """run another script with a copy of the caller's globals (source: keep its globals)"""
    caller = sys._getframe(0).f_back
    path = _path_in(file_path)
    if not os.path.isabs(path):
        path = os.path.join(os.path.dirname(os.path.abspath(caller.f_code.co_filename)), path)
    ctx = caller.f_globals
    scope = dict(ctx)
    scope['__file__'] = path
    scope['RELENG_SCRIPT'] = RelengPath(path)
    scope['RELENG_SCRIPT_DIR'] = RelengPath(os.path.dirname(path))
    with _script_env(path):
        _exec_file(path, scope)
    if source:
        for key, value in scope.items():
            if key.startswith('__') or key in ('RELENG_SCRIPT', 'RELENG_SCRIPT_DIR'):
                continue
            # as releng-tool's extend_script_env, imported modules and functions
            # stay behind; functions the included file defines are handed back
            # (releng-tool drops those too; releng keeps them for shared helpers)
            if isinstance(value, (types.BuiltinFunctionType, types.ModuleType)):
                continue
            if isinstance(value, types.FunctionType) and \
                    value.__code__.co_filename != path:
                continue
            if ctx.get(key, _ENV_UNSET) is not value:
                ctx[key] = value


def _exec_file(path, scope):
    with open(path, 'rb') as f:
        data = f.read()
    code = compile(data.decode('utf-8-sig'), path, 'exec', dont_inherit=True)
    exec(code, scope)


HELPERS = {
    f.__name__: f
    for f in (
        debug, err, hint, log, note, success, verbose, warn,
        releng_cat, releng_copy, releng_copy_into, releng_define, releng_env, releng_execute,
        releng_execute_rv, releng_exists, releng_exit, releng_expand, releng_include,
        releng_is_api_mode, releng_is_debug_mode, releng_is_verbose_mode, releng_ls,
        releng_mkdir, releng_move, releng_move_into, releng_register_env_path,
        releng_register_python_path, releng_remove, releng_require_version, releng_step,
        releng_symlink, releng_tmpdir, releng_touch, releng_wd,
    )
}
HELPERS['releng_join'] = os.path.join
HELPERS['releng_path'] = Path
HELPERS['releng_register_path'] = releng_register_python_path

releng_module = types.ModuleType('releng', 'releng-tool script helpers (releng bridge)')
releng_module.__dict__.update(HELPERS)
releng_module.__all__ = sorted(HELPERS)
releng_module.RelengPath = RelengPath
sys.modules['releng'] = releng_module
sys.modules['releng_tool'] = releng_module

_PREIMPORTED = {'os': os, 'sys': sys, 'Path': Path}
# as releng-tool: the host's OS as booleans in every script and definition
_HOST_OS = {
    'RELENG_HOST_OS_LINUX': sys.platform.startswith('linux'),
    'RELENG_HOST_OS_MACOS': sys.platform == 'darwin',
    'RELENG_HOST_OS_WINDOWS': sys.platform == 'win32',
}
_HELPER_IDS = {id(v) for v in (*HELPERS.values(), *_PREIMPORTED.values())}


# ---------------------------------------------------------------- extensions
#
# releng-tool's extension API (its RelengRegistry, as `app` in an extension's
# releng_setup(app)): listeners for events, a version check, and extension
# package/fetch/extract types. A project with extensions runs all its Python
# on one worker (the engine pins it), as releng-tool runs in one interpreter:
# listeners, and what a config-loaded listener adds to the script environment,
# live there.

_EXT_PREFIX = 'ext-'
# releng-tool's ListenerEvent names
_EVENTS = frozenset(['config-loaded', 'post-build-started', 'post-build-finished'] + [
    'package-%s-%s' % (stage, when)
    for stage in ('bootstrap', 'configure', 'build', 'install', 'postprocess')
    for when in ('started', 'finished')])


class RelengInvalidSetupException(Exception):
    """an extension's setup is invalid (releng_tool.api's exception)"""


class RelengVersionNotSupportedException(Exception):
    """an extension requires a newer releng-tool (releng_tool.api's exception)"""


class RelengInvalidHandlerSignatureException(Exception):
    """a listener does not take the event's arguments"""


class _ExtensionRegistry:
    def __init__(self, version):
        self.version = version
        self.extension = []
        self.extract_types = {}
        self.fetch_types = {}
        self.package_types = {}
        self._listeners = {}
        self._order = 0
        self._loading = None

    def _add_type(self, kind, table, name, handler, needs):
        if not isinstance(name, str):
            raise RelengInvalidSetupException('invalid %s name provided' % kind)
        key = name.lower()
        if not key.startswith(_EXT_PREFIX):
            raise RelengInvalidSetupException(
                'extension-defined %s types must be prefixed with "%s"' % (kind, _EXT_PREFIX))
        if key in table:
            raise RelengInvalidSetupException(
                'extension %s type %s is already defined by another extension' % (kind, name))
        if not isinstance(handler, type):
            raise RelengInvalidSetupException('handler is not a class')
        instance = handler()
        if not all(callable(getattr(instance, op, None)) for op in needs):
            raise RelengInvalidSetupException('%s type does not defined required method(s)' % kind)
        table[key] = instance

    def add_extract_type(self, name, handler):
        self._add_type('extract', self.extract_types, name, handler, ('extract',))

    def add_fetch_type(self, name, handler):
        self._add_type('fetch', self.fetch_types, name, handler, ('fetch',))

    def add_package_type(self, name, handler):
        self._add_type('package', self.package_types, name, handler,
                       ('build', 'configure', 'install'))

    def connect(self, name, handler, priority=100):
        if not callable(handler):
            raise RelengInvalidSetupException('handler is not callable')
        if name not in _EVENTS:
            raise RelengInvalidSetupException('invalid event name: %s' % name)
        self._order += 1
        self._listeners.setdefault(name, []).append((priority, self._order, handler,
                                                      self._loading))
        return self._order

    def disconnect(self, listener_id):
        for listeners in self._listeners.values():
            for entry in listeners:
                if entry[1] == listener_id:
                    listeners.remove(entry)
                    return

    def require_version(self, version):
        if _version_list(self.version, relaxed=True) < _version_list(version, relaxed=True):
            raise RelengVersionNotSupportedException(
                'requires %s, has %s' % (version, self.version))

    def load(self, name):
        """imports one extension and runs its releng_setup; an error message, or None"""
        if name in self.extension:
            return None
        importlib = __import__('importlib')
        try:
            plugin = importlib.import_module(name)
        except ModuleNotFoundError:
            return 'unable to find extension: %s' % name
        setup = getattr(plugin, 'releng_setup', None)
        if setup is None:
            return 'extension does not have a setup method: %s' % name
        self._loading = name
        try:
            setup(self)
        except RelengInvalidSetupException as e:
            return 'extension is not supported due to an invalid setup: %s\n (%s)' % (name, e)
        except RelengVersionNotSupportedException as e:
            return 'extension is not supported with this version: %s\n (%s)' % (name, e)
        finally:
            self._loading = None
        self.extension.append(name)
        return None

    def emit(self, name, **kwargs):
        for _priority, _order, handler, origin in sorted(
                self._listeners.get(name, ()), key=lambda x: (x[0], x[1])):
            try:
                _inspect().signature(handler).bind(**kwargs)
            except TypeError as e:
                raise RelengInvalidHandlerSignatureException(
                    'listener on "%s" (%s) has invalid signature' % (name, origin)) from e
            handler(**kwargs)


def _inspect():
    import inspect
    return inspect


def _api_module():
    # `from releng_tool.api import ...` in an extension
    api = types.ModuleType('releng_tool.api', 'releng-tool extension API (releng bridge)')
    api.RelengInvalidSetupException = RelengInvalidSetupException
    api.RelengVersionNotSupportedException = RelengVersionNotSupportedException
    api.RelengInvalidHandlerSignatureException = RelengInvalidHandlerSignatureException
    # The interfaces have the methods a handler needs (each reporting failure
    # until overridden), so a class derived from one, or the interface
    # itself, is a valid handler, as in releng-tool.
    def _fails(self, name, opts):
        return False

    methods = {
        'RelengRegistryInterface': (),
        'RelengExtractExtensionInterface': ('extract',),
        'RelengFetchExtensionInterface': ('fetch',),
        'RelengPackageExtensionInterface': ('build', 'configure', 'install'),
    }
    for iface, ops in methods.items():
        setattr(api, iface, type(iface, (object,), {op: _fails for op in ops}))
    return api


def _ext_load(msg):
    if _Worker.extensions is None:
        _Worker.extensions = _ExtensionRegistry(msg.get('version') or '0')
        sys.modules.setdefault('releng_tool.api', _api_module())
        releng_module.api = sys.modules['releng_tool.api']
    # as releng-tool: the project root is on the import path (appended)
    root = msg.get('root')
    if root and root not in sys.path:
        sys.path.append(root)
    errors = []
    for name in msg.get('names') or []:
        problem = _Worker.extensions.load(name)
        if problem:
            errors.append(problem)
    registry = _Worker.extensions
    return {'errors': errors, 'types': {
        'extract': sorted(registry.extract_types),
        'fetch': sorted(registry.fetch_types),
        'package': sorted(registry.package_types),
    }}


def _ext_call(msg):
    # one operation of an extension's package, fetch or extract type:
    # handler.<method>(type, opts), opts carrying releng-tool's option names
    # and, as `env`, the script environment of the package
    registry = _Worker.extensions
    table = {'extract': 'extract_types', 'fetch': 'fetch_types', 'package': 'package_types'}
    handlers = getattr(registry, table.get(msg.get('kind'), ''), None) if registry else None
    handler = (handlers or {}).get(msg.get('extType'))
    if handler is None:
        raise LookupError('no extension %s type "%s"' % (msg.get('kind'), msg.get('extType')))
    _scope, env = _build_globals(msg.get('file') or '<extension>', msg, with_config=False)
    opts = types.SimpleNamespace(**(msg.get('opts') or {}))
    for key in list(vars(opts)):
        if key.endswith('_dir') and isinstance(getattr(opts, key), str):
            setattr(opts, key, RelengPath(getattr(opts, key)))
    opts.env = env
    value = getattr(handler, msg['method'])(msg['extType'], opts)
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return value if value is None or isinstance(value, (bool, str, int)) else bool(value)


def _ext_emit(msg):
    registry = _Worker.extensions
    if registry is None or not registry._listeners.get(msg.get('event')):
        return None
    # listeners get the script environment releng-tool gives scripts (the
    # globals and helpers); what a config-loaded listener adds to it, every
    # later script sees
    _scope, env = _build_globals(msg.get('file') or '<event>', msg, with_config=False)
    before = dict(env)
    registry.emit(msg['event'], env=env)
    # as releng-tool: config-loaded listeners change the environment every
    # script starts from; package listeners that package's (its later stages
    # and listeners see it), post-build listeners the post-build script's
    if msg['event'] == 'config-loaded':
        target = _Worker.ext_injected
    else:
        target = _Worker.ext_scoped.setdefault(_ext_scope(msg.get('env') or _EMPTY_ENV), {})
    for key, value in env.items():
        if key not in before or before[key] is not value:
            target[key] = value
    return None


def _ext_scope(env):
    # a package's stages have PKG_NAME; the project's post-build has none
    return env.get('PKG_NAME') or '<post-build>'


# ---------------------------------------------------------------- requests


_BUILTIN_NAMES = frozenset(dir(builtins))
_EMPTY_ENV = {}


# Run modes, as releng-tool gives them to scripts: None when off (the
# variable is not exported then), True when on ('1'); RELENG_DEVMODE may be a
# mode name and RELENG_PROFILES is a list (';'-separated in the environment).
_MODE_FLAGS = (
    'RELENG_CLEAN', 'RELENG_DEBUG', 'RELENG_DEVMODE', 'RELENG_DISTCLEAN', 'RELENG_EXEC',
    'RELENG_FORCE', 'RELENG_LOCALSRCS', 'RELENG_MRPROPER', 'RELENG_REBUILD',
    'RELENG_RECONFIGURE', 'RELENG_REINSTALL', 'RELENG_RELEASE', 'RELENG_TARGET_PKG',
    'RELENG_VERBOSE', 'PKG_DEVMODE', 'PKG_INTERNAL', 'PKG_LOCALSRCS',
)


# As releng-tool, scripts and definitions know the host's system family.
_HOST_OS = {
    'RELENG_HOST_OS_LINUX': sys.platform.startswith('linux'),
    'RELENG_HOST_OS_MACOS': sys.platform == 'darwin',
    'RELENG_HOST_OS_WINDOWS': sys.platform == 'win32',
}


def _global_value(key, value):
    if _is_path_name(key):
        return RelengPath(value)
    if key in _MODE_FLAGS:
        if value == '1' and key not in ('RELENG_TARGET_PKG',):
            return True
        return value or None
    if key in ('RELENG_PROFILES', 'RELENG_GENERATED_SBOMS', 'RELENG_GENERATED_LICENSES'):
        return [p for p in value.split(';') if p]
    if key in ('NJOBS', 'NJOBSCONF') and value.isdigit():
        return int(value)
    return value


def _env_globals(env):
    # The environment as script globals (paths as RelengPath), computed once
    # per environment: a batch of definitions shares one.
    cached = _Worker.env_globals
    if cached is not None and cached[0] is env:
        return cached[1]
    out = {key: None for key in _MODE_FLAGS}
    out['RELENG_PROFILES'] = []
    out.update(_HOST_OS)
    for key, value in env.items():
        if key.isidentifier() and not key.startswith('__') and key not in _BUILTIN_NAMES:
            out[key] = _global_value(key, value)
    _Worker.env_globals = (env, out)
    return out


def _carry_env_globals(previous, env, unset, changed):
    # The next environment differs from the last in a few variables: derive
    # its globals form from the last one's instead of converting ~150 again.
    cached = _Worker.env_globals
    if cached is None or cached[0] is not previous:
        return
    out = dict(cached[1])
    for key in unset:
        if key in _MODE_FLAGS:
            out[key] = None
        elif key == 'RELENG_PROFILES':
            out[key] = []
        else:
            out.pop(key, None)
    for key, value in changed.items():
        if key.isidentifier() and not key.startswith('__') and key not in _BUILTIN_NAMES:
            out[key] = _global_value(key, value)
    _Worker.env_globals = (env, out)


def _build_globals(file, msg, with_config, need_injected=True):
    # need_injected=False (stage scripts): the injected names are not asked
    # for, so the scope is built in one copy of the environment's globals
    # (a releng-tool project's scripts see every package's variables: ~1,400
    # names for 200 packages, copied for each of its scripts)
    # as releng-tool: modules in the project's root import from any script
    root = (msg.get('env') or {}).get('ROOT_DIR') or (msg.get('globals') or {}).get('ROOT_DIR')
    if root and root not in sys.path:
        sys.path.insert(0, root)
    # as releng-tool: the host folder and its bin folder come first, so host
    # tools a project built load over the build machine's
    for key in ('HOST_DIR', 'HOST_BIN_DIR'):
        path = (msg.get('env') or {}).get(key) or (msg.get('globals') or {}).get(key)
        if path and os.fspath(path) not in sys.path:
            sys.path.insert(0, os.fspath(path))
    injected = dict(_env_globals(msg.get('env') or _EMPTY_ENV))
    if not need_injected:
        injected['__name__'] = '<run_path>'
        injected['__file__'] = file
        injected['__builtins__'] = builtins
    injected.update(_PREIMPORTED)
    injected.update(HELPERS)
    if _Worker.ext_injected:
        injected.update(_Worker.ext_injected)
    if _Worker.ext_scoped:
        injected.update(_Worker.ext_scoped.get(_ext_scope(msg.get('env') or _EMPTY_ENV), ()))
    for key, value in (msg.get('globals') or {}).items():
        if isinstance(value, str) and (_is_path_name(key) or key in _MODE_FLAGS
                                       or key == 'RELENG_PROFILES'):
            # the run's modes as definitions see them: True, a mode name, a list
            value = _global_value(key, value)
        injected[key] = value
    injected.update(_HOST_OS)
    if 'releng_args' not in injected:
        injected['releng_args'] = []
    injected.setdefault('RELENG_SCRIPT', RelengPath(file))
    injected.setdefault('RELENG_SCRIPT_DIR', RelengPath(os.path.dirname(file)))
    if with_config:
        req = _Worker.current

        def releng_config(*args, **kwargs):
            if args:
                raise TypeError('releng_config() takes keyword arguments only')
            if req.config is None:
                req.config = {}
            req.config.update(kwargs)

        injected['releng_config'] = releng_config
    if not need_injected:
        return injected, None
    scope = {'__name__': '<run_path>', '__file__': file, '__builtins__': builtins}
    scope.update(injected)
    return scope, injected


_SKIP = object()


def _register_function(fn):
    _Worker.next_function += 1
    fid = '%s:%d' % (_Worker.tag, _Worker.next_function)
    _Worker.functions[fid] = fn
    return {'$pyfunc': fid}


def _ssl_context(ctx):
    """an ssl.SSLContext (releng-tool's urlopen_context) as what a Node client needs:
    the certificates it trusts beyond the system's, and whether it verifies"""
    import ssl

    system = {bytes(c) for c in ssl.create_default_context().get_ca_certs(binary_form=True)}
    extra = [
        ssl.DER_cert_to_PEM_cert(c)
        for c in ctx.get_ca_certs(binary_form=True)
        if bytes(c) not in system
    ]
    return {
        '$sslcontext': {
            'ca': extra,
            'verify': ctx.verify_mode != ssl.CERT_NONE,
            'checkHostname': bool(ctx.check_hostname),
        }
    }


def _to_json(value, scope=None, depth=0):
    """JSON form of value, or _SKIP; functions (defined in scope) become refs"""
    if depth > 64:
        return _SKIP
    if value is None or isinstance(value, (bool, int, str)):
        return str(value) if isinstance(value, str) else value
    if isinstance(value, float):
        return value if math.isfinite(value) else _SKIP
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        out = []
        for item in items:
            converted = _to_json(item, scope, depth + 1)
            if converted is _SKIP:
                return _SKIP
            out.append(converted)
        return out
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, bool) or not isinstance(key, (str, int, float)):
                return _SKIP
            converted = _to_json(item, scope, depth + 1)
            if converted is _SKIP:
                return _SKIP
            out[str(key)] = converted
        return out
    if type(value).__module__ == 'ssl' and type(value).__name__ == 'SSLContext':
        return _ssl_context(value)
    if isinstance(value, (types.FunctionType, types.MethodType)) and id(value) not in _HELPER_IDS:
        fn_globals = getattr(getattr(value, '__func__', value), '__globals__', None)
        if scope is None or fn_globals is scope:
            return _register_function(value)
    return _SKIP


def _collect(values, injected, scope):
    out = {}
    for key, value in values.items():
        if key.startswith('_') or key == 'releng_config':
            continue
        if key in injected and injected[key] is value:
            continue
        if id(value) in _HELPER_IDS or isinstance(value, (types.ModuleType, type)):
            continue
        converted = _to_json(value, scope)
        if converted is not _SKIP:
            out[key] = converted
            # JSON keys are strings: name the dicts whose keys were not (releng-tool
            # refuses {123: 'value'} for its string-keyed options)
            if isinstance(value, dict) and any(not isinstance(k, str) for k in value):
                out.setdefault('__releng_nonstr_keys__', []).append(key)
    return out


def _prepare_env(msg, replace):
    env = msg.get('env') or _EMPTY_ENV  # strings only (Node's cleanEnv)
    _set_environ(env if replace else {**_Worker.base_env, **env})
    for entry in msg.get('envPaths') or []:
        _apply_env_path(entry['path'], entry.get('prepend'))
    # a long-lived worker read PYTHONPATH once, at its start: folders a run
    # puts on it later (releng-tool's host Python packages) are imported from
    # as they would be by a freshly started interpreter
    python_path = env.get('PYTHONPATH')
    if python_path:
        if python_path != _Worker.seen_python_path:
            _Worker.seen_python_path = python_path
            _Worker.seen_python_dirs = [p for p in python_path.split(os.pathsep) if p]
            for path in reversed(_Worker.seen_python_dirs):
                if path not in sys.path:
                    sys.path.insert(0, path)
        # a folder that did not exist yet when first looked in is cached as
        # "no finder": look again (a package built since may have made it)
        cache = sys.path_importer_cache
        for path in _Worker.seen_python_dirs:
            if path in cache and cache[path] is None:
                del cache[path]
    for path in msg.get('pythonPaths') or []:
        if path not in sys.path:
            sys.path.append(path)
        if path not in _Worker.python_paths:
            _Worker.python_paths.append(path)
    for entry in msg.get('envPaths') or []:
        if entry not in _Worker.env_paths:
            _Worker.env_paths.append(entry)


def _set_environ(target):
    # Only the differences from what is applied now (tracked as plain strings,
    # so unchanged variables cost a dict lookup, not an encode): consecutive
    # requests share almost every variable, and clear() + update() was most
    # of a request. Scripts that change os.environ themselves are caught by
    # comparing the bytes mapping once.
    applied = _Worker.env_applied
    data = os.environ._data
    if applied is None or data != _Worker.env_bytes:
        # first request, or a script changed os.environ itself: start from what is there
        applied = {os.fsdecode(k): os.fsdecode(v) for k, v in data.items()}
    else:
        hint = _Worker.env_delta
        if hint is not None and hint[0] is applied and hint[1] is target:
            # target is applied plus a known delta (the usual case between
            # two scripts): touch only those variables
            for key in hint[2]:
                os.unsetenv(key)
                data.pop(os.fsencode(key), None)
            for key, value in hint[3].items():
                bkey = os.fsencode(key)
                bvalue = os.fsencode(value)
                os.putenv(bkey, bvalue)
                data[bkey] = bvalue
            _Worker.env_applied = target
            _Worker.env_bytes = dict(data)
            return
    for key in [k for k in applied if k not in target]:
        os.unsetenv(key)
        data.pop(os.fsencode(key), None)
    for key, value in target.items():
        if applied.get(key) != value:
            bkey = os.fsencode(key)
            bvalue = os.fsencode(value)
            os.putenv(bkey, bvalue)
            data[bkey] = bvalue
    _Worker.env_applied = target  # never changed in place
    _Worker.env_bytes = dict(data)


def _restore_fds():
    # a script may have closed or redirected fd 1/2 (os.dup2): put the originals back
    for fd, (saved, ident) in _Worker.saved_fds.items():
        try:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) == ident:
                continue
        except OSError:
            pass
        try:
            os.dup2(saved, fd)
        except OSError:
            pass


def _restore():
    for name in ('stdout', 'stderr'):
        original = getattr(sys, '__%s__' % name)
        if original is None or original.closed:
            fd = 1 if name == 'stdout' else 2
            original = io.TextIOWrapper(open(fd, 'wb', closefd=False), line_buffering=True,
                                        errors='backslashreplace')
            setattr(sys, '__%s__' % name, original)
        setattr(sys, name, original)
    # The environment is left as the request had it: the next request sets
    # exactly its own (switching back and forth cost ~170 putenv per script).
    try:
        os.chdir(_Worker.base_cwd)
    except OSError:
        pass


def _run_file(file, msg, with_config):
    """runs a definition or script in a fresh scope; its exit, even sys.exit(0),
    is reported: as in releng-tool (which never catches it) it ends the whole run"""
    scope, injected = _build_globals(file, msg, with_config, need_injected=with_config)
    with _script_env(os.fspath(scope.get('RELENG_SCRIPT') or file)):
        _exec_file(file, scope)
    return scope, injected


def _py_kinds(value):
    """what JSON cannot tell of a value: a tuple, a path, a non-string dict key, an unsupported type"""
    kinds = []
    if isinstance(value, tuple):
        kinds.append('tuple')
    if isinstance(value, os.PathLike):
        kinds.append('path')
    if isinstance(value, (list, tuple)) and any(isinstance(v, os.PathLike) for v in value):
        kinds.append('item-path')
    if isinstance(value, dict) and any(not isinstance(k, str) for k in value):
        kinds.append('key')
    if _to_json(value) is _SKIP:
        kinds.append('other')
    return kinds


def _definition_values(file, msg, req, prefix=None):
    """a definition's JSON-representable globals, with its releng_config(...) call;
    with a prefix, '__pykinds__' tells what JSON loses of the variables starting with it"""
    req.config = None
    scope, injected = _run_file(file, msg, with_config=True)
    value = _collect(scope, injected, scope)
    if req.config is not None:
        value['__releng_config__'] = _collect(req.config, {}, scope)
    if prefix:
        for key, item in scope.items():
            # an option the caller pre-set as an empty dict or list (releng-tool's
            # interim values) and the definition filled in place (FOO_ENV['k'] = 'v')
            if (key.startswith(prefix) and key in injected and injected[key] is item
                    and isinstance(item, (dict, list)) and item):
                converted = _to_json(item, scope)
                if converted is not _SKIP:
                    value[key] = converted
        marks = {}
        for key, item in scope.items():
            if key.startswith(prefix) and not (key in injected and injected[key] is item):
                kinds = _py_kinds(item)
                if kinds:
                    marks[key] = kinds
        value['__pykinds__'] = marks
    return value


def _mark_streams(req, tag):
    """writes a marker into fd 1 and 2; reports which stream took it"""
    written = {}
    with _Worker.lock:
        for fd, name in ((1, 'stdout'), (2, 'stderr')):
            try:
                _write_all(fd, _marker(req.nonce, tag))
                written[name] = True
            except OSError:
                written[name] = False
    return written


def _apply_shared(msg):
    # The run's shared variables (every package's <PKG>_* in a releng-tool
    # project) arrive once, when they change, and stay under every later
    # request's environment. The sender never unsets one of them in a delta
    # (a request's own environment that drops one leaves the shared value).
    new = msg.get('sharedEnv')
    delta = msg.get('envDelta')
    if new is not None:
        old = _Worker.shared_env or {}
        _Worker.shared_env = new or None
        if delta is not None:
            changed = dict(new)
            changed.update(delta.get('set') or {})
            unset = list(delta.get('unset') or [])
            unset.extend(k for k in old if k not in new and k not in changed)
            msg['envDelta'] = {'set': changed, 'unset': unset}
    shared = _Worker.shared_env
    if shared and delta is None and msg.get('env') is not None:
        env = dict(shared)
        env.update(msg['env'])
        msg['env'] = env


def _handle(msg):
    _apply_shared(msg)
    delta = msg.get('envDelta')
    if delta is not None:
        # only the differences from this worker's previous request were sent
        previous = _Worker.last_env or {}
        env = dict(previous)
        unset = delta.get('unset') or []
        changed = delta.get('set') or {}
        for key in unset:
            env.pop(key, None)
        env.update(changed)
        msg['env'] = env
        _carry_env_globals(previous, env, unset, changed)
        _Worker.env_delta = (previous, env, unset, changed)
    if msg.get('env') is not None:
        _Worker.last_env = msg['env']  # never changed in place: deltas build a new dict
    op = msg.get('op')
    req = _Request(msg)
    _Worker.current = req
    result = {'type': 'result', 'id': req.id, 'ok': True}
    file = msg.get('file')
    if file:
        file = os.path.abspath(file)
    try:
        _prepare_env(msg, replace=(op in ('run', 'runChain', 'extEmit', 'extCall')))
        if msg.get('cwd'):
            os.chdir(msg['cwd'])
        if op == 'eval':
            result['value'] = _definition_values(file, msg, req)
        elif op == 'run':
            _run_file(file, msg, with_config=False)
        elif op == 'runChain':
            # A package's consecutive stage scripts in one request: each step
            # starts from the request's environment, working directory and
            # standard streams, as separate requests would; a 's<i>' marker on
            # both streams starts step i's output, and a 'step' message
            # reports each step as it ends. The first failure ends the chain.
            for index, step in enumerate(msg.get('steps') or []):
                step_file = os.path.abspath(step['file'])
                if index > 0:
                    _flush_std()
                    _restore_fds()
                    _restore()
                    if os.environ._data != _Worker.env_bytes or req.new_env_paths:
                        # the step before changed os.environ: start from the request's again
                        _Worker.env_bytes = None
                        _prepare_env(msg, replace=True)
                        for entry in req.new_env_paths:
                            _apply_env_path(entry['path'], entry.get('prepend'))
                    _flush_std()
                    _mark_streams(req, 's%d' % index)
                try:
                    if step.get('cwd'):
                        os.chdir(step['cwd'])
                    _run_file(step_file, msg, with_config=False)
                except BaseException as e:  # noqa: B036 - reported as this step's failure
                    _flush_std()
                    _send({'type': 'step', 'id': req.id, 'index': index, 'ok': False,
                           'error': _describe(e, step_file)})
                    break
                _flush_std()
                _send({'type': 'step', 'id': req.id, 'index': index, 'ok': True})
        elif op == 'evalMany':
            # Many definitions in one request (a frontier of the package
            # graph): each gets a fresh scope; a failure is reported for its
            # file and the others still run.
            values = []
            for item in msg.get('items') or []:
                item_file = os.path.abspath(item['file'])
                try:
                    if item.get('cwd'):
                        os.chdir(item['cwd'])
                    item_msg = msg
                    if item.get('globals'):
                        # per-definition globals (releng-tool's PKG_DEFDIR)
                        item_msg = dict(msg)
                        item_msg['globals'] = dict(msg.get('globals') or {}, **item['globals'])
                    values.append({'ok': True, 'value': _definition_values(
                        item_file, item_msg, req, item.get('kindsPrefix'))})
                except BaseException as e:  # noqa: B036 - one file's failure is its own result
                    values.append({'ok': False, 'error': _describe(e, item_file)})
                finally:
                    _flush_std()
            result['value'] = values
        elif op == 'extLoad':
            result['value'] = _ext_load(msg)
        elif op == 'extEmit':
            _ext_emit(msg)
        elif op == 'extCall':
            result['value'] = _ext_call(msg)
        elif op == 'call':
            fn = _Worker.functions.get(msg.get('ref'))
            if fn is None:
                raise LookupError('unknown python function: %s' % msg.get('ref'))
            file = getattr(getattr(fn, '__code__', None), 'co_filename', None)
            try:
                value = fn(*(msg.get('args') or []))
            except SystemExit as e:
                if not _is_success_exit(e):
                    raise
                value = None
            converted = _to_json(value)
            result['value'] = None if converted is _SKIP else converted
        else:
            raise ValueError('unknown request: %r' % op)
    except BaseException as e:  # noqa: B036 - report everything, keep serving
        result = {'type': 'result', 'id': req.id, 'ok': False, 'error': _describe(e, file)}
    finally:
        _flush_std()
        _restore_fds()
        streams = _mark_streams(req, 'end')
        _Worker.current = None
        _restore()
    result['streams'] = streams
    result['pythonPaths'] = req.new_python_paths
    result['envPaths'] = req.new_env_paths
    _send(result)


def _is_success_exit(e):
    return not isinstance(e, RelengCriticalError) and (e.code is None or e.code == 0)


def _library_dirs():
    dirs = set()
    for key in ('stdlib', 'platstdlib', 'purelib', 'platlib'):
        try:
            path = _sysconfig().get_paths().get(key)
        except Exception:
            path = None
        if path:
            dirs.add(os.path.join(os.path.realpath(path), ''))
            dirs.add(os.path.join(path, ''))
    return tuple(dirs)


_LIB_DIRS = None  # computed on the first error (needs sysconfig)


def _is_user_file(name):
    if not name or name.startswith('<') or os.path.abspath(name) == BRIDGE_FILE:
        return False
    global _LIB_DIRS
    if _LIB_DIRS is None:
        _LIB_DIRS = _library_dirs()
    return not os.path.abspath(name).startswith(_LIB_DIRS)


def _strip_bridge(te, seen):
    if id(te) in seen:
        return
    seen.add(id(te))
    te.stack = _traceback().StackSummary.from_list(
        [f for f in te.stack if os.path.abspath(f.filename or '') != BRIDGE_FILE])
    for nested in (te.__cause__, te.__context__):
        if nested is not None:
            _strip_bridge(nested, seen)


def _describe(e, default_file):
    out = {'type': type(e).__name__, 'file': default_file, 'line': None}
    if isinstance(e, SyntaxError):
        out['message'] = '%s: %s' % (type(e).__name__, e.msg)
        out['file'] = e.filename or default_file
        out['line'] = e.lineno
    else:
        for frame in reversed(_traceback().extract_tb(e.__traceback__)):
            if _is_user_file(frame.filename):
                out['file'] = frame.filename
                out['line'] = frame.lineno
                break
        if isinstance(e, RelengCriticalError):
            out['message'] = e.message
            out['exitCode'] = e.code if isinstance(e.code, int) else 1
        elif isinstance(e, SystemExit):
            if e.code is None:
                # exit() / sys.exit(): a success exit, ending the run (see _run_file)
                out['message'] = 'exited with code 0'
                out['exitCode'] = 0
            elif isinstance(e.code, int):
                out['message'] = 'exited with code %d' % e.code
                out['exitCode'] = e.code
            else:
                out['message'] = str(e.code)
                out['exitCode'] = 1
        else:
            text = str(e).strip().splitlines()
            out['message'] = type(e).__name__ + (': ' + text[0] if text else '')
    if out['file']:
        out['file'] = os.path.abspath(out['file'])
    try:
        te = _traceback().TracebackException.from_exception(e)
        _strip_bridge(te, set())
        out['traceback'] = ''.join(te.format())
    except Exception:
        out['traceback'] = ''.join(_traceback().format_exception_only(type(e), e))
    out['message'] = (out['message'].splitlines() or [''])[0]
    return out


def main(argv):
    args = iter(argv)
    for arg in args:
        if arg == '--tag':
            _Worker.tag = next(args)
        elif arg == '--debug':
            _Worker.debug = True
        elif arg == '--verbose':
            _Worker.verbose = True
    os.set_inheritable(CTRL_FD, False)
    for fd in (1, 2):
        st = os.fstat(fd)
        _Worker.saved_fds[fd] = (os.dup(fd), (st.st_dev, st.st_ino))
    os.set_blocking(CTRL_FD, True)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True, errors='backslashreplace')
        except (AttributeError, ValueError):
            pass
    reader = _Reader()
    _send({'type': 'ready', 'pid': os.getpid(), 'version': sys.version.split()[0]})
    while True:
        msg = reader.read()
        if msg is None or msg.get('op') == 'exit':
            return 0
        _handle(msg)


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
