// releng-tool's own checks of package definition values (its package
// manager's key types and load-time checks), so a definition releng-tool
// refuses is refused here too, before any stage runs, with an error naming
// the package and the option.
import { isAbsolute, normalize } from 'node:path';
import { RelengError } from '../../util/errors.ts';
import type { PackageModel } from '../model.ts';

/** releng-tool's value types of package options (releng_tool.defs.PkgKeyType). */
type KeyType =
  | 'bool'
  | 'boolOrStr'
  | 'boolOrStrs'
  | 'boolOrStrsOrDict'
  | 'dict'
  | 'dictStrPstr'
  | 'dictOrStr'
  | 'int'
  | 'intNonNegative'
  | 'intPositive'
  | 'opts'
  | 'pstr'
  | 'str'
  | 'strs';

/** What releng-tool says each type expects. */
const EXPECTS: Record<KeyType, string> = {
  bool: 'bool',
  boolOrStr: 'bool or string',
  boolOrStrs: 'bool or string(s)',
  boolOrStrsOrDict: 'bool, string(s) or dict(str,bool/str(s))',
  dict: 'dictionary',
  dictStrPstr: 'dict(str,str/path-like)',
  dictOrStr: 'dict(str,str) or string',
  int: 'int',
  intNonNegative: 'non-negative int',
  intPositive: 'positive int',
  opts: 'dict(str,str/path-like), str(s) or path-like(s)',
  pstr: 'string or path-like',
  str: 'string',
  strs: 'string(s)',
};

/** Each releng-tool package option (`<PKG>_<OPTION>`) and its value type. */
export const KEY_TYPES: Record<string, KeyType> = {
  AUTOTOOLS_AUTORECONF: 'bool',
  BUILD_DEFS: 'dictStrPstr',
  BUILD_ENV: 'dictStrPstr',
  BUILD_OPTS: 'opts',
  BUILD_SUBDIR: 'pstr',
  CARGO_NAME: 'str',
  CARGO_NOINSTALL: 'bool',
  CMAKE_BUILD_TYPE: 'str',
  CMAKE_NOINSTALL: 'bool',
  CONF_DEFS: 'dictStrPstr',
  CONF_ENV: 'dictStrPstr',
  CONF_OPTS: 'opts',
  DEPENDENCIES: 'strs',
  DEVMODE_IGNORE_CACHE: 'bool',
  DEVMODE_PATCHES: 'boolOrStrsOrDict',
  DEVMODE_REVISION: 'str',
  DEVMODE_SKIP_INTEGRITY_CHECK: 'bool',
  ENV: 'dictStrPstr',
  EXCLUDE_SBOM: 'bool',
  EXTENSION: 'str',
  EXTERNAL: 'bool',
  EXTOPT: 'dict',
  EXTRACT_TYPE: 'str',
  FETCH_OPTS: 'opts',
  FIXED_JOBS: 'intPositive',
  FORCE_REVISION: 'str',
  GIT_CONFIG: 'dictStrPstr',
  GIT_DEPTH: 'intNonNegative',
  GIT_REFSPECS: 'strs',
  GIT_SUBMODULES: 'bool',
  GIT_VERIFY_REVISION: 'bool',
  HOST_PROVIDES: 'strs',
  IGNORE_PATCHES: 'boolOrStrs',
  INSTALL_DEFS: 'dictStrPstr',
  INSTALL_ENV: 'dictStrPstr',
  INSTALL_OPTS: 'opts',
  INSTALL_TYPE: 'str',
  INTERNAL: 'bool',
  LICENSE: 'strs',
  LICENSE_FILES: 'strs',
  MAKE_CONFIGURE: 'str',
  MAKE_NOINSTALL: 'bool',
  MAX_JOBS: 'int',
  MESON_BUILD_TYPE: 'str',
  MESON_NOINSTALL: 'bool',
  NEEDS: 'strs',
  NETWORK_ISOLATION: 'bool',
  NO_EXTRACTION: 'bool',
  ONLY_DEVMODE: 'boolOrStrs',
  PATCH_SUBDIR: 'pstr',
  PREEXTRACT: 'bool',
  PREFIX: 'pstr',
  PYTHON_DIST_PATH: 'pstr',
  PYTHON_INSTALLER_INTERPRETER: 'str',
  PYTHON_INSTALLER_LAUNCHER_KIND: 'str',
  PYTHON_INSTALLER_SCHEME: 'dictOrStr',
  PYTHON_INTERPRETER: 'pstr',
  PYTHON_SETUP_TYPE: 'str',
  REMOTE_CONFIG: 'bool',
  REMOTE_SCRIPTS: 'bool',
  REVISION: 'dictOrStr',
  SCONS_NOINSTALL: 'bool',
  SITE: 'dictOrStr',
  STRIP_COUNT: 'intNonNegative',
  TYPE: 'str',
  VCS_TYPE: 'dictOrStr',
  VERSION: 'str',
  VSDEVCMD: 'boolOrStr',
  VSDEVCMD_PRODUCTS: 'str',
  WAF_NOINSTALL: 'bool',
  XMAKE_BUILD_TYPE: 'str',
  XMAKE_NOINSTALL: 'bool',
};

/**
 * The empty dicts and lists releng-tool sets before a definition runs, so a
 * definition can fill one in place (`<PKG>_CONF_ENV['K'] = 'v'`); one left
 * empty counts as not set.
 */
export function interimValues(key: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const option of INTERIM_DICTS) out[`${key}_${option}`] = {};
  for (const option of INTERIM_LISTS) out[`${key}_${option}`] = [];
  return out;
}

// interimValues runs once per package definition: the options it fills, once.
const INTERIM_DICTS = Object.entries(KEY_TYPES)
  .filter(([, type]) => type === 'dictStrPstr' || type === 'opts')
  .map(([option]) => option);
const INTERIM_LISTS = Object.entries(KEY_TYPES)
  .filter(([, type]) => type === 'strs')
  .map(([option]) => option);

/** What JSON lost of a value (see the bridge's `_py_kinds`): tuple, path, item-path, key, other. */
export type PyKinds = readonly string[];

const isDict = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrs = (v: unknown, kinds: PyKinds): boolean =>
  (typeof v === 'string' && !kinds.includes('path')) ||
  (Array.isArray(v) && !kinds.includes('item-path') && v.every((x) => typeof x === 'string'));
const dictOf = (v: unknown, kinds: PyKinds, item: (x: unknown) => boolean): boolean =>
  isDict(v) && !kinds.includes('key') && Object.values(v).every((x) => x === null || item(x));

function accepts(type: KeyType, v: unknown, kinds: PyKinds): boolean {
  if (kinds.includes('other')) return false;
  const str = typeof v === 'string' && !kinds.includes('path');
  switch (type) {
    case 'bool':
      return typeof v === 'boolean';
    case 'boolOrStr':
      return typeof v === 'boolean' || str;
    case 'boolOrStrs':
      return typeof v === 'boolean' || isStrs(v, kinds);
    case 'boolOrStrsOrDict':
      return (
        typeof v === 'boolean' ||
        isStrs(v, kinds) ||
        (isDict(v) && Object.values(v).every((x) => typeof x === 'boolean' || isStrs(x, [])))
      );
    case 'dict':
      return isDict(v);
    case 'dictStrPstr':
      return dictOf(v, kinds, (x) => typeof x === 'string');
    case 'dictOrStr':
      return str || dictOf(v, kinds, (x) => typeof x === 'string');
    case 'int':
      return Number.isInteger(v);
    case 'intNonNegative':
      return Number.isInteger(v) && (v as number) >= 0;
    case 'intPositive':
      return Number.isInteger(v) && (v as number) > 0;
    case 'opts':
      return (
        typeof v === 'string' ||
        (Array.isArray(v) && v.every((x) => typeof x === 'string')) ||
        dictOf(v, kinds, (x) => typeof x === 'string')
      );
    case 'pstr':
      return typeof v === 'string';
    case 'str':
      return str;
    case 'strs':
      return isStrs(v, kinds);
  }
}

function invalid(
  pkg: string,
  key: string,
  message: string,
  file: string,
  hint: string,
): RelengError {
  return new RelengError(`${message}: ${pkg} (key: ${key})`, { file, pkg, hint });
}

/**
 * Checks a definition's `<PKG>_<OPTION>` value against releng-tool's type
 * for the option (unknown options are left to the caller).
 */
export function checkKeyValue(
  pkg: string,
  variable: string,
  option: string,
  value: unknown,
  kinds: PyKinds,
  file: string,
): void {
  const type = KEY_TYPES[option];
  if (!type || accepts(type, value, kinds)) return;
  throw invalid(
    pkg,
    variable,
    'package configuration has an invalid value',
    file,
    `expects ${EXPECTS[type]}`,
  );
}

const VCS_TYPES = [
  'brz',
  'cvs',
  'file',
  'git',
  'hg',
  'local',
  'lore',
  'none',
  'perforce',
  'rsync',
  'scp',
  'svn',
  'url',
];
const PACKAGE_TYPES = [
  'autotools',
  'cargo',
  'cmake',
  'make',
  'meson',
  'python',
  'scons',
  'script',
  'waf',
  'xmake',
];
const PYTHON_SETUP_TYPES = ['distutils', 'flit', 'hatch', 'pdm', 'pep517', 'poetry', 'setuptools'];
const INSTALL_TYPES = ['host', 'images', 'staging', 'staging_and_target', 'target'];
/** Site types releng-tool cannot fetch without a site, and those that need a revision. */
const NEED_SITE = new Set([
  'brz',
  'cvs',
  'file',
  'git',
  'hg',
  'lore',
  'perforce',
  'rsync',
  'scp',
  'svn',
  'url',
]);
const NEED_REVISION = new Set(['brz', 'cvs', 'git', 'hg', 'svn']);

/**
 * releng-tool's load-time checks of a definition's values (raw: option →
 * value, by releng-tool option name) and of the resolved package: known
 * types, internal/external agreeing, a site and a revision where the site
 * type needs them, sub-folders inside the package's folder.
 */
export function checkDefinition(
  model: PackageModel,
  raw: Record<string, unknown>,
  file: string,
): void {
  const pkg = model.name;
  const key = (o: string) => `${model.key}_${o}`;
  // `ext-…` types are an extension's: checked once the extensions have loaded
  const oneOf = (option: string, value: unknown, known: string[], what: string) => {
    if (
      typeof value === 'string' &&
      value !== '' &&
      !value.toLowerCase().startsWith('ext-') &&
      !known.includes(value.toLowerCase())
    )
      throw invalid(
        pkg,
        key(option),
        `unknown ${what} value provided`,
        file,
        `use one of: ${known.join(', ')}`,
      );
  };
  oneOf('TYPE', raw.TYPE, PACKAGE_TYPES, 'package type');
  oneOf('PYTHON_SETUP_TYPE', raw.PYTHON_SETUP_TYPE, PYTHON_SETUP_TYPES, 'python setup type');
  oneOf('INSTALL_TYPE', raw.INSTALL_TYPE, INSTALL_TYPES, 'install type');
  if (raw.VCS_TYPE !== undefined) oneOf('VCS_TYPE', model.vcsType, VCS_TYPES, 'vcs type');
  if (
    typeof raw.EXTERNAL === 'boolean' &&
    typeof raw.INTERNAL === 'boolean' &&
    raw.EXTERNAL === raw.INTERNAL
  ) {
    throw new RelengError(
      `package has conflicting configuration values: ${pkg} (package flagged as external and internal; keys: ${key('EXTERNAL')}, ${key('INTERNAL')})`,
      { file, pkg, hint: `set only one of ${key('EXTERNAL')} and ${key('INTERNAL')}` },
    );
  }
  const vcs = model.vcsType.toLowerCase();
  if (!model.site && NEED_SITE.has(vcs)) {
    throw invalid(
      pkg,
      key('SITE'),
      `package defines vcs-type (${vcs}) but no site`,
      file,
      `set ${key('SITE')}`,
    );
  }
  if (!model.revision && NEED_REVISION.has(vcs)) {
    throw new RelengError(
      `package defines vcs-type (${vcs}) but no version/revision: ${pkg} (missing either key: ${key('VERSION')}, ${key('REVISION')})`,
      { file, pkg, hint: `set ${key('VERSION')} or ${key('REVISION')}` },
    );
  }
  // as releng-tool: a sub-folder is joined to the package's folder (an
  // absolute one replaces it), a prefix appended to the target folder; the
  // result must stay inside
  const traversal = (option: string, value: unknown): boolean => {
    if (typeof value !== 'string') return false;
    if (option === 'PREFIX') return !normalize(`/target${value}`).startsWith('/target');
    return isAbsolute(value);
  };
  for (const option of ['BUILD_SUBDIR', 'PATCH_SUBDIR', 'PREFIX']) {
    if (traversal(option, raw[option])) {
      throw invalid(
        pkg,
        key(option),
        'package defines a path traversal',
        file,
        'use a folder inside the package',
      );
    }
  }
}
