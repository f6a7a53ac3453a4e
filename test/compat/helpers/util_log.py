# Log messages have environment variables expanded.
import os


@check('test_utilio_log_expanded')
def note_expands_variables(d):
    os.environ['LOG_WORD'] = 'expanded'
    with stdout_text() as out:
        note('a message with $LOG_WORD text')
    expect('a message with expanded text' in out[0], 'printed: %r' % out[0])
