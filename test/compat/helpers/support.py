# releng-tool tests/unit-tests/test_support.py, calling releng_require_version.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
# The tests that patch releng-tool's own running version
# (@patch('releng_tool.support.releng_version')) cannot be a script: a
# project cannot choose the version of the tool running it (they are in
# out-of-scope.txt). The running version is RELENG_VERSION, as scripts see it.


class TestSupport(TestCase):
    def test_support_require_version_current(self):
        # existing version should report has valid
        result = releng_require_version(minver=RELENG_VERSION)
        self.assertTrue(result)

    def test_support_require_version_older_case01(self):
        # an old version should report has valid
        result = releng_require_version('0.0')
        self.assertTrue(result)

    def test_support_require_version_future_case01(self):
        # fail version check on a future version which does not exist
        result = releng_require_version('999999', critical=False)
        self.assertFalse(result)

    def test_support_require_version_future_critical(self):
        # fail version check on a future version which does not exist (critical)
        with self.assertRaises(SystemExit):
            releng_require_version('999999')

    def test_support_require_version_max_older_case01(self):
        # ensure max older version triggers a failure
        result = releng_require_version(maxver='0.0', critical=False)
        self.assertFalse(result)

    def test_support_require_version_invalid_value(self):
        with self.assertRaises(SystemExit):
            releng_require_version('some-odd-value')
