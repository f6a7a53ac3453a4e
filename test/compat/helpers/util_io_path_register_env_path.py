# releng_register_env_path: a folder joins PATH once (at the front with
# prepend=True); a missing one fails, ending the script unless critical=False.
import os


def path_entries():
    return os.environ['PATH'].split(os.pathsep)


@check('test_utilio_path_register_env_path_valid', 'test_utilio_path_register_env_path_single')
def env_path_registers_once(d):
    folder = str(d)
    for _ in range(2):
        expect(releng_register_env_path(folder) is True, 'register failed')
        same(path_entries().count(folder), 1, 'PATH entries of the folder')


@check('test_utilio_path_register_env_path_prepend')
def env_path_prepend(d):
    expect(releng_register_env_path(str(d), prepend=True) is True, 'register failed')
    same(path_entries()[0], str(d), 'first PATH entry')


@check('test_utilio_path_register_env_path_invalid_noncritical',
       'test_utilio_path_register_env_path_invalid_crtiical')
def env_path_missing_folder(d):
    missing = str(d / 'absent')
    same(releng_register_env_path(missing, critical=False), False, 'non-critical')
    with fails_with(SystemExit):
        releng_register_env_path(missing)
