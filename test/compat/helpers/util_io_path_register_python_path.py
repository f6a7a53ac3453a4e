# releng_register_python_path: a folder joins sys.path once (first with
# prepend=True); a missing one fails, ending the script unless critical=False.
import sys


@check('test_utilio_path_register_python_path_valid',
       'test_utilio_path_register_python_path_single')
def python_path_registers_once(d):
    folder = str(d)
    for _ in range(2):
        expect(releng_register_python_path(folder) is True, 'register failed')
        same(sys.path.count(folder), 1, 'sys.path entries of the folder')


@check('test_utilio_path_register_python_path_prepend')
def python_path_prepend(d):
    expect(releng_register_python_path(str(d), prepend=True) is True, 'register failed')
    same(sys.path[0], str(d), 'first sys.path entry')


@check('test_utilio_path_register_python_path_invalid_noncritical',
       'test_utilio_path_register_python_path_invalid_crtiical')
def python_path_missing_folder(d):
    missing = str(d / 'absent')
    same(releng_register_python_path(missing, critical=False), False, 'non-critical')
    with fails_with(SystemExit):
        releng_register_python_path(missing)
