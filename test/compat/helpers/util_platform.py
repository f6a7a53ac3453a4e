# releng_exit: its exit code (0 without a message, 1 with one unless
# given) and its printed message, variables expanded.
import os


def exit_of(*args, **kwargs):
    """Calls releng_exit: (the SystemExit code, the printed text)."""
    seen = []
    with stdout_text() as out:
        with fails_with(SystemExit, seen):
            releng_exit(*args, **kwargs)
    return seen[0].code, out[0]


@check('test_util_platform_success', 'test_util_platform_error',
       'test_util_platform_message_no_code', 'test_util_platform_message_with_code',
       'test_util_platform_message_expanded')
def exit_codes_and_messages(d):
    os.environ['EXIT_WORD'] = 'expanded'
    same(exit_of()[0], 0, 'no arguments')
    same(exit_of(code=77)[0], 77, 'code only')
    rows = [
        (('plain text',), 1, 'plain text'),
        (('plain text', 42), 42, 'plain text'),
        (('an $EXIT_WORD text',), 1, 'an expanded text'),
    ]
    for args, code, shown in rows:
        got_code, printed = exit_of(*args)
        same(got_code, code, 'code of %r' % (args,))
        expect(shown in printed, '%r not printed for %r' % (shown, args))

