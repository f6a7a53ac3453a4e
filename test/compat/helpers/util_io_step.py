# releng_step: a named step's body runs once per folder (a flag file
# .releng-tool-step-<name> remembers it), again with force=True; the folder
# defaults to the package's PKG_BUILD_OUTPUT_DIR, and without one the step fails.
import os


def ran(name, **kwargs):
    """Whether releng_step(name, ...)'s body ran."""
    hits = []
    for _ in releng_step(name, **kwargs):
        hits.append(name)
    return bool(hits)


@check('test_utilio_step_dir_str', 'test_utilio_step_dir_path', 'test_utilio_step_dir_encoded')
def step_once_per_folder(d):
    for label, folder in (('str', str(d)), ('Path', d), ('bytes', os.fsencode(d))):
        name = 'by-' + label.lower()
        same(ran(name, dir_=folder), True, label + ': first run')
        expect((d / ('.releng-tool-step-' + name)).is_file(), label + ': no flag file')
        same(ran(name, dir_=folder), False, label + ': second run')


@check('test_utilio_step_force')
def step_forced_again(d):
    same(ran('again', dir_=d), True, 'first run')
    same(ran('again', dir_=d, force=True), True, 'forced run')


@check('test_utilio_step_multiple')
def steps_are_independent(d):
    same([ran('alpha', dir_=d), ran('beta', dir_=d)], [True, True], 'first runs')
    same([ran('beta', dir_=d), ran('alpha', dir_=d)], [False, False], 'repeated runs')


@check('test_utilio_step_default_outdir')
def step_defaults_to_the_build_output(d):
    global PKG_BUILD_OUTPUT_DIR
    kept = PKG_BUILD_OUTPUT_DIR
    PKG_BUILD_OUTPUT_DIR = d
    try:
        same(ran('default-place'), True, 'run')
    finally:
        PKG_BUILD_OUTPUT_DIR = kept
    expect((d / '.releng-tool-step-default-place').is_file(), 'no flag in the build output')


@check('test_utilio_step_issue')
def step_without_an_output_folder(d):
    # releng-tool raises its own error class, which scripts are not given
    kept = globals().pop('PKG_BUILD_OUTPUT_DIR')
    try:
        with fails_with(Exception):
            ran('nowhere')
    finally:
        globals()['PKG_BUILD_OUTPUT_DIR'] = kept
