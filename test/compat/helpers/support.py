# releng_require_version against the running version (RELENG_VERSION).
# The tests that patch releng-tool's own version are out of scope: a
# project cannot pick the version of the tool that runs it.


@check('test_support_require_version_current', 'test_support_require_version_older_case01',
       'test_support_require_version_future_case01',
       'test_support_require_version_max_older_case01')
def version_bounds(d):
    rows = [
        ('the running version as minimum', dict(minver=RELENG_VERSION), True),
        ('a very old minimum', dict(minver='0.0'), True),
        ('a future minimum', dict(minver='999999', critical=False), False),
        ('a maximum older than the tool', dict(maxver='0.0', critical=False), False),
    ]
    for label, kwargs, want in rows:
        same(releng_require_version(**kwargs), want, label)


@check('test_support_require_version_future_critical',
       'test_support_require_version_invalid_value')
def version_failures_end_the_script(d):
    for wanted in ('999999', 'not-a-version'):
        with fails_with(SystemExit):
            releng_require_version(wanted)
