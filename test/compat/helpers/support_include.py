# releng-tool tests/unit-tests/test_support_include.py, calling releng_include.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
from pathlib import Path


class TestSupport(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.includes = ASSETS_DIR / 'includes'
        if not cls.includes.exists():
            raise HarnessFailure('missing includes directory')

    def test_support_include_default(self):
        test_include = self.includes / 'sample-include.rt'
        self.assertTrue(test_include.exists(), 'missing include file')
        releng_include(test_include)

        # verify variables are not sourced
        with self.assertRaises(NameError):
            print(SAMPLE_INCLUDE)  # noqa: F821  pylint: disable=E0602

    def test_support_include_expanded(self):
        test_include = self.includes / 'sample-include.rt'
        self.assertTrue(test_include.exists(), 'missing include file')

        os.environ['MYFILE'] = 'sample-include'
        test_include_str = f'{test_include.parent}/${{MYFILE}}.rt'
        releng_include(test_include_str)

    def test_support_include_fail(self):
        test_include = self.includes / 'fail-include.rt'
        self.assertTrue(test_include.exists(), 'missing include file')
        with self.assertRaises(SystemExit):
            releng_include(test_include)

    def test_support_include_sourced(self):
        test_include = self.includes / 'sample-include.rt'
        self.assertTrue(test_include.exists(), 'missing include file')
        releng_include(test_include, source=True)

        # verify variables are sourced
        print(SAMPLE_INCLUDE)  # noqa: F821  pylint: disable=E0602
        self.assertEqual(SAMPLE_INCLUDE, 123)  # noqa: F821
