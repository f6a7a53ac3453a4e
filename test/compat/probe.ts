// A small project of this harness's own, written into a case's folder: one
// package `test` (script type, local sources) whose stage scripts append the
// stage's name to stages.log in the project folder and dump chosen globals
// and environment variables to probe/<stage>.json, so a case can see which
// stages an action ran and what a script was given.
import type { Ctx } from './lib.ts';

/** Names every probe dump records (globals and environment). */
export const PROBE_NAMES = [
  'ROOT_DIR',
  'BUILD_DIR',
  'CACHE_DIR',
  'DL_DIR',
  'HOST_DIR',
  'STAGING_DIR',
  'TARGET_DIR',
  'IMAGES_DIR',
  'LICENSE_DIR',
  'OUTPUT_DIR',
  'SYMBOLS_DIR',
  'PREFIX',
  'NJOBS',
  'NJOBSCONF',
  'HOST_BIN_DIR',
  'HOST_INCLUDE_DIR',
  'HOST_LIB_DIR',
  'HOST_SHARE_DIR',
  'STAGING_BIN_DIR',
  'STAGING_INCLUDE_DIR',
  'STAGING_LIB_DIR',
  'STAGING_SHARE_DIR',
  'TARGET_BIN_DIR',
  'TARGET_INCLUDE_DIR',
  'TARGET_LIB_DIR',
  'TARGET_SHARE_DIR',
  'PREFIXED_HOST_DIR',
  'PREFIXED_STAGING_DIR',
  'PREFIXED_TARGET_DIR',
  'RELENG_CLEAN',
  'RELENG_DEBUG',
  'RELENG_DEVMODE',
  'RELENG_DISTCLEAN',
  'RELENG_EXEC',
  'RELENG_FORCE',
  'RELENG_LOCALSRCS',
  'RELENG_MRPROPER',
  'RELENG_PROFILES',
  'RELENG_REBUILD',
  'RELENG_RECONFIGURE',
  'RELENG_REINSTALL',
  'RELENG_RELEASE',
  'RELENG_TARGET_PKG',
  'RELENG_VERBOSE',
  'RELENG_VERSION',
  'RELENG_SCRIPT',
  'RELENG_SCRIPT_DIR',
  'PKG_BUILD_BASE_DIR',
  'PKG_BUILD_DIR',
  'PKG_BUILD_OUTPUT_DIR',
  'PKG_CACHE_DIR',
  'PKG_CACHE_FILE',
  'PKG_DEFDIR',
  'PKG_DEVMODE',
  'PKG_INTERNAL',
  'PKG_LOCALSRCS',
  'PKG_NAME',
  'PKG_REVISION',
  'PKG_SITE',
  'PKG_VERSION',
  'TEST_BUILD_DIR',
  'TEST_BUILD_OUTPUT_DIR',
  'TEST_DEFDIR',
  'TEST_NAME',
  'TEST_REVISION',
  'TEST_VERSION',
  'MY_CUSTOM_ARG',
];

export const PROBE_STAGES = ['bootstrap', 'patch', 'configure', 'build', 'install', 'post'];

function script(stage: string): string {
  return `import json as _json
import os as _os
_root = _os.environ['ROOT_DIR']
with open(_os.path.join(_root, 'stages.log'), 'a') as _f:
    _f.write('${stage}\\n')
_g = globals()
_out = {'env': {}, 'gbl': {}, 'types': {}}
for _k in ${JSON.stringify(PROBE_NAMES)}:
    if _k in _os.environ:
        _out['env'][_k] = _os.environ[_k]
    if _k in _g:
        _v = _g[_k]
        _out['types'][_k] = type(_v).__name__
        _out['gbl'][_k] = _v if isinstance(_v, (bool, int, float)) or _v is None else (list(map(str, _v)) if isinstance(_v, (list, tuple)) else str(_v))
_out['args'] = list(map(str, _g.get('releng_args', []) or []))
_os.makedirs(_os.path.join(_root, 'probe'), exist_ok=True)
with open(_os.path.join(_root, 'probe', '${stage}.json'), 'w') as _f:
    _json.dump(_out, _f)
`;
}

export interface ProbeOptions {
  /** Extra lines for releng-tool.rt. */
  project?: string;
  /** Extra lines for package/test/test.rt. */
  pkg?: string;
  stages?: string[];
  /** TEST_SITE (default 'local': sources in package/test/local). */
  site?: string;
}

/** Writes the probe project into the case's folder. */
export function writeProbe(t: Ctx, options: ProbeOptions = {}): void {
  t.write('releng-tool.rt', `packages = ['test']\n${options.project ?? ''}\n`);
  t.write(
    'package/test/test.rt',
    `TEST_VERSION = '1.0'\nTEST_SITE = '${options.site ?? 'local'}'\n${options.pkg ?? ''}\n`,
  );
  t.write('package/test/local/README', 'probe sources\n');
  for (const s of options.stages ?? PROBE_STAGES) t.write(`package/test/test-${s}.rt`, script(s));
}

/** The stages the probe's scripts ran, in order. */
export function stagesRan(t: Ctx): string[] {
  return t.exists('stages.log') ? t.read('stages.log').split('\n').filter(Boolean) : [];
}

export interface ProbeDump {
  env: Record<string, string>;
  gbl: Record<string, unknown>;
  types: Record<string, string>;
  args: string[];
}

/** What the probe's script for a stage was given. */
export function probe(t: Ctx, stage = 'build'): ProbeDump {
  return JSON.parse(t.read('probe', `${stage}.json`)) as ProbeDump;
}
