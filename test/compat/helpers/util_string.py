# releng_expand: $NAME and ${NAME} from the environment (or kv), $$ as a
# literal $, unknown names as empty, and containers expanded item by item.
import os


@check('test_utilstr_expand')
def expand_table(d):
    os.environ['EXP_V'] = 'val'
    rows = [
        (None, None),
        ('', ''),
        ('no variables at all', 'no variables at all'),
        ('$EXP_V', 'val'),
        ('x $EXP_V y', 'x val y'),
        ('x $EXP_V$EXP_V y', 'x valval y'),
        ('p/$EXP_V/q', 'p/val/q'),
        ('p-$EXP_V-q', 'p-val-q'),
        ('  $EXP_V  ', '  val  '),
        ('${EXP_V}', 'val'),
        ('x${EXP_V}y', 'xvaly'),
        ('x${EXP_V}${EXP_V}y', 'xvalvaly'),
        ('  ${EXP_V}  ', '  val  '),
        ('${unterminated', '${unterminated'),
        ('${}rest', 'rest'),
        ('$$literal', '$literal'),
        (['p', 'q'], ['p', 'q']),
        (['${EXP_V}', 'q', '$EXP_V'], ['val', 'q', 'val']),
        ({'p', 'q'}, {'p', 'q'}),
        ({'p', '${EXP_V}'}, {'p', 'val'}),
        ({'k': 'v'}, {'k': 'v'}),
        ({'${EXP_V}': '$EXP_V'}, {'val': 'val'}),
    ]
    for given, want in rows:
        same(releng_expand(given), want, 'expand %r' % (given,))
    same(releng_expand('${EXP_V}', {'EXP_V': 'from-kv'}), 'from-kv', 'kv over the environment')
    del os.environ['EXP_V']
    same(releng_expand('$EXP_V'), '', 'unset variable')
