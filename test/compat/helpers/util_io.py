# releng_execute (True/False, output printed unless quiet or captured) and
# releng_execute_rv ((exit code, output)): no command, unknown commands,
# stderr merged or dropped, variable expansion on or off, capture lists.
import os
import sys

BOTH_STREAMS = 'import sys; print("to-err", file=sys.stderr); print("to-out")'


def py(code):
    return [sys.executable, '-c', code]


def printed(cmd, **kwargs):
    """(releng_execute's result, its printed output, stripped)."""
    with stdout_text() as out:
        ok = releng_execute(cmd, critical=False, **kwargs)
    return ok, out[0].strip()


@check('test_utilio_execution')
def execute_results(d):
    quiet_rows = [
        ('no command', None, False),
        ('an empty command', [], False),
        ('a command', py('print("hi")'), True),
        ('output without a newline', py('print("tail", end="")'), True),
        ('an unknown command', ['no_such_command_anywhere'], False),
        ('a command as one string', 'whoami', True),
    ]
    for label, cmd, want in quiet_rows:
        same(releng_execute(cmd, quiet=True, critical=False), want, label)
    code, out = releng_execute_rv(None)
    same(code, 1, 'code without a command')
    expect(not out, 'output without a command: %r' % (out,))
    code, out = releng_execute_rv('no_such_command_anywhere')
    same(code, 1, 'code of an unknown command')
    expect(not out, 'output of an unknown command: %r' % (out,))
    same(releng_execute_rv(*py('print("hi")')), (0, 'hi'), 'rv of a command')
    same(releng_execute_rv(*py('print("tail", end="")')), (0, 'tail'), 'rv without a newline')


@check('test_utilio_execution')
def execute_output(d):
    os.environ['EXEC_VALUE'] = 'from-env'
    rows = [
        # (label, code, options, printed, rv's output)
        ('stderr merged', BOTH_STREAMS, {}, 'to-err' + os.linesep + 'to-out', 'to-err\nto-out'),
        ('stderr dropped', BOTH_STREAMS, {'ignore_stderr': True}, 'to-out', 'to-out'),
        ('no newline', 'print("tail", end="")', {}, 'tail', 'tail'),
        ('expanded', 'print("$EXEC_VALUE")', {}, 'from-env', 'from-env'),
        ('not expanded', 'print("$EXEC_VALUE")', {'expand': False}, '$EXEC_VALUE', '$EXEC_VALUE'),
    ]
    for label, code, options, shown, returned in rows:
        same(printed(py(code), **options), (True, shown), label + ', printed')
        rv, out = releng_execute_rv(*py(code), **options)
        same((rv, out.strip()), (0, returned), label + ', rv')
    rv, out = releng_execute_rv(*py(BOTH_STREAMS), newline=os.linesep)
    same(out.strip(), 'to-err' + os.linesep + 'to-out', 'newline option')


@check('test_utilio_execution')
def execute_quiet_and_capture(d):
    same(printed(py('print("hi")'), quiet=True), (True, ''), 'quiet')
    for label, options, shown in (('capture', {}, ''), ('capture, not quiet', {'quiet': False}, 'hi')):
        lines = []
        same(printed(py('print("hi")'), capture=lines, **options), (True, shown), label)
        same(''.join(lines), 'hi', label + ': captured')
