# releng_include runs another script file (the fixture includes): its
# globals stay there unless source=True, the path expands variables, and a
# failing include ends the script.
import os

INCLUDES = ASSETS / 'includes'


@check('test_support_include_default')
def include_keeps_its_globals(d):
    g = globals()
    g.pop('SAMPLE_INCLUDE', None)
    releng_include(INCLUDES / 'sample-include.rt')
    expect('SAMPLE_INCLUDE' not in g, 'an include without source=True leaked a global')


@check('test_support_include_sourced')
def include_sourced_hands_back_globals(d):
    globals().pop('SAMPLE_INCLUDE', None)
    releng_include(INCLUDES / 'sample-include.rt', source=True)
    same(globals().get('SAMPLE_INCLUDE'), 123, 'sourced global')


@check('test_support_include_expanded')
def include_path_expands(d):
    os.environ['INC_STEM'] = 'sample-include'
    globals().pop('SAMPLE_INCLUDE', None)
    releng_include('%s/${INC_STEM}.rt' % INCLUDES, source=True)
    same(globals().get('SAMPLE_INCLUDE'), 123, 'global of the expanded include')


@check('test_support_include_fail')
def failing_include_ends_the_script(d):
    expect((INCLUDES / 'fail-include.rt').is_file(), 'fixture missing')
    with fails_with(SystemExit):
        releng_include(INCLUDES / 'fail-include.rt')
