# releng-tool tests/unit-tests/test_util_path.py, calling the script helpers.
# Adapted from releng-tool (BSD-2-Clause; see ../templates/LICENSE).
from pathlib import Path


# P is the type of the path objects scripts are given (ROOT_DIR, ...).
P = type(ROOT_DIR)


class TestUtilPath(TestCase):
    def test_util_path(self):
        self.assertEqual(P('a'), 'a')
        self.assertEqual(P('b'), Path('b'))
        self.assertEqual(P('c') / 'd', 'c/d')
        self.assertEqual(P('e') / 'f', Path('e') / 'f')
        self.assertEqual(P('g') + '-suffix', 'g-suffix')
        self.assertEqual('prefix-' + P('h'), 'prefix-h')
        self.assertEqual(P('..'), '..')
        self.assertEqual(P('..'), Path('..'))
