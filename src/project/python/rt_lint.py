# releng's lint of a releng-tool project (the `lint` / `<pkg>-lint` actions)
#
# Started by src/engine/rt-lint.ts, only for those actions. It reads one JSON
# request on stdin -- the project file, the packages releng loaded (name,
# definition file, resolved type, VCS type and licenses), the SPDX lists and
# the highest rule version to check -- parses each file with `ast` (the
# checks are about what a file writes, not what it evaluates to) and writes
# one JSON document on stdout: the issues found, in the order they are found.
# Codes, locations and rule semantics follow releng-tool 4.x's linter
# (RT100-RT116, RT200, RT300); the wording of messages is releng's.

import ast
import io
import json
import os
import re
import sys
import tokenize

# The option names (suffixes) of a releng-tool 4.x package, in the order
# releng-tool declares them (RT100's suffix check follows this order).
PACKAGE_OPTIONS = (
    'BUILD_SUBDIR', 'DEPENDENCIES', 'DEVMODE_IGNORE_CACHE', 'DEVMODE_PATCHES',
    'DEVMODE_REVISION', 'DEVMODE_SKIP_INTEGRITY_CHECK', 'EXCLUDE_SBOM',
    'EXTENSION', 'EXTERNAL', 'EXTOPT', 'EXTRACT_TYPE', 'FETCH_OPTS',
    'FIXED_JOBS', 'FORCE_REVISION', 'GIT_CONFIG', 'GIT_DEPTH', 'GIT_REFSPECS',
    'GIT_SUBMODULES', 'GIT_VERIFY_REVISION', 'HOST_PROVIDES', 'IGNORE_PATCHES',
    'INSTALL_TYPE', 'INTERNAL', 'LICENSE', 'LICENSE_FILES', 'MAX_JOBS', 'NEEDS',
    'NETWORK_ISOLATION', 'NO_EXTRACTION', 'ONLY_DEVMODE', 'PATCH_SUBDIR',
    'PREEXTRACT', 'PREFIX', 'REMOTE_CONFIG', 'REMOTE_SCRIPTS', 'REVISION',
    'SITE', 'STRIP_COUNT', 'TYPE', 'VCS_TYPE', 'VERSION', 'VSDEVCMD',
    'VSDEVCMD_PRODUCTS', 'CONF_DEFS', 'CONF_ENV', 'CONF_OPTS', 'BUILD_DEFS',
    'BUILD_ENV', 'BUILD_OPTS', 'ENV', 'INSTALL_DEFS', 'INSTALL_ENV',
    'INSTALL_OPTS', 'AUTOTOOLS_AUTORECONF', 'CARGO_NAME', 'CARGO_NOINSTALL',
    'CMAKE_BUILD_TYPE', 'CMAKE_NOINSTALL', 'MAKE_CONFIGURE', 'MAKE_NOINSTALL',
    'MESON_BUILD_TYPE', 'MESON_NOINSTALL', 'PYTHON_DIST_PATH',
    'PYTHON_INSTALLER_INTERPRETER', 'PYTHON_INSTALLER_LAUNCHER_KIND',
    'PYTHON_INSTALLER_SCHEME', 'PYTHON_INTERPRETER', 'PYTHON_SETUP_TYPE',
    'SCONS_NOINSTALL', 'WAF_NOINSTALL', 'XMAKE_BUILD_TYPE', 'XMAKE_NOINSTALL',
)

# releng-tool 4.x's project options (what RT200 looks for).
PROJECT_OPTIONS = frozenset((
    'cache_ext', 'default_internal', 'default_cmake_build_type',
    'default_devmode_ignore_cache', 'default_meson_build_type',
    'default_xmake_build_type', 'environment', 'extensions',
    'external_packages', 'extra_license_exceptions', 'extra_licenses',
    'license_header', 'lint_max_version', 'network_isolation',
    'override_extract_tools', 'packages', 'prerequisites', 'quirks',
    'revisions', 'sbom_format', 'sysroot_prefix', 'url_mirror',
    'urlopen_context', 'vsdevcmd', 'vsdevcmd_products',
))

# Options that only mean something for one package type: code, type, options.
TYPE_RULES = (
    (105, 'autotools', ('AUTOTOOLS_AUTORECONF',)),
    (106, 'cargo', ('CARGO_NAME', 'CARGO_NOINSTALL')),
    (107, 'cmake', ('CMAKE_BUILD_TYPE', 'CMAKE_NOINSTALL')),
    (108, 'make', ('MAKE_CONFIGURE', 'MAKE_NOINSTALL')),
    (109, 'meson', ('MESON_BUILD_TYPE', 'MESON_NOINSTALL')),
    (110, 'python', (
        'PYTHON_DIST_PATH', 'PYTHON_INSTALLER_INTERPRETER',
        'PYTHON_INSTALLER_LAUNCHER_KIND', 'PYTHON_INSTALLER_SCHEME',
        'PYTHON_INTERPRETER', 'PYTHON_SETUP_TYPE',
    )),
    (111, 'scons', ('SCONS_NOINSTALL',)),
    (112, 'waf', ('WAF_NOINSTALL',)),
)
# (checked after RT113-RT115, as its code says: issues come in code order)
XMAKE_RULE = (116, 'xmake', ('XMAKE_BUILD_TYPE', 'XMAKE_NOINSTALL'))

GIT_OPTIONS = ('GIT_CONFIG', 'GIT_DEPTH', 'GIT_REFSPECS', 'GIT_SUBMODULES',
               'GIT_VERIFY_REVISION')
DEVMODE_OPTIONS = ('DEVMODE_IGNORE_CACHE', 'DEVMODE_PATCHES',
                   'DEVMODE_SKIP_INTEGRITY_CHECK', 'ONLY_DEVMODE')
REMOTE_OPTIONS = ('REMOTE_CONFIG', 'REMOTE_SCRIPTS')

# The releng-tool version that introduced each rule (rules newer than the
# project's lint_max_version are not checked); RT100 is always checked.
RULE_SINCE = {code: (2, 9) for code in range(101, 116)}
RULE_SINCE.update({116: (3, 1), 200: (3, 2), 300: (4, 2)})

# Site prefixes naming a VCS, as releng-tool reads a site (only whether a
# site means git matters here).
_SITE_PREFIXES = (
    ('brz+', 'brz'), ('cvs+', 'cvs'), (':ext:', 'cvs'), (':extssh:', 'cvs'),
    (':gserver:', 'cvs'), (':kserver:', 'cvs'), (':pserver:', 'cvs'),
    ('file://', 'file'), ('file+', 'file'), ('git+', 'git'),
)
_SITE_PREFIXES_AFTER_GIT = (
    ('hg+', 'hg'), ('lore+', 'lore'), ('lore://', 'lore'), ('p4+', 'perforce'),
    ('perforce+', 'perforce'), ('rsync+', 'rsync'), ('scp+', 'scp'),
    ('svn+', 'svn'),
)


def option_key(pkg_name, option):
    """The variable name of a package option (`my-pkg`, `SITE` -> `MY_PKG_SITE`)."""
    return re.sub(r'[ *\-.:?|]', '_', pkg_name).upper() + '_' + option


def site_vcs_type(site):
    """The VCS type releng-tool infers from a site string."""
    lowered = site.lower()
    for prefix, vcs in _SITE_PREFIXES:
        if lowered.startswith(prefix):
            return vcs
    if lowered.endswith('.git'):
        return 'git'
    for prefix, vcs in _SITE_PREFIXES_AFTER_GIT:
        if lowered.startswith(prefix):
            return vcs
    return 'local' if lowered == 'local' else 'url'


def noqa_lines(text):
    """Line numbers holding a comment that mentions `noqa`."""
    lines = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and 'noqa' in token.string:
                lines.add(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        # what was read before the error still counts
        pass
    return lines


def file_nodes(path):
    """Every node of a file, breadth first, minus statements/expressions on `noqa` lines."""
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    skipped = noqa_lines(text)
    nodes = []
    for node in ast.walk(ast.parse(text, filename=path)):
        if isinstance(node, (ast.expr, ast.stmt)) and node.lineno in skipped:
            continue
        nodes.append(node)
    return nodes


def assigned_names(nodes):
    """(assignment node, target name) for each plain `NAME = ...` target, in node order."""
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield node, target.id


def constant_of(node):
    """(True, value) when an assignment's value is a literal; (False, None) otherwise."""
    if isinstance(node.value, ast.Constant):
        return True, node.value.value
    return False, None


def spdx_parts(expression):
    """
    Splits a license expression into (well formed, licenses, exceptions) the
    way releng-tool does: operators need whitespace before them, a trailing
    `+` is not part of an identifier.
    """
    ok = True
    licenses = []
    exceptions = []
    if not expression:
        return ok, licenses, exceptions
    want_license = False
    want_exception = False
    flat = expression.replace('(', ' ').replace(')', ' ')
    for piece in re.split(r'\s+(and|or|with|AND|OR|WITH)', flat):
        piece = piece.strip()
        if not piece:
            continue
        operator = piece.lower()
        if operator in ('and', 'or', 'with'):
            if want_license or want_exception:
                ok = False
            want_exception = operator == 'with'
            want_license = not want_exception
        elif want_exception:
            if piece not in exceptions:
                exceptions.append(piece)
            want_exception = False
        else:
            ident = piece.rstrip('+')
            if ident not in licenses:
                licenses.append(ident)
            want_license = False
    if want_license or want_exception:
        ok = False
    return ok, licenses, exceptions


def is_license_ref(ident):
    """A custom `LicenseRef-<letters, dots, dashes>` identifier."""
    if not ident.startswith('LicenseRef-'):
        return False
    return ident[len('LicenseRef-'):].replace('.', '').replace('-', '').isalpha()


class Linter:
    """Collects the issues of one lint run."""

    def __init__(self, request):
        version = request.get('maxVersion')
        self.max_version = tuple(version) if version else None
        self.licenses = request.get('licenses', {})
        self.exceptions = request.get('exceptions', {})
        self.issues = []

    def enabled(self, code):
        since = RULE_SINCE.get(code)
        return not (since and self.max_version and self.max_version < since)

    def add(self, code, path, node, message, notes=()):
        if not self.enabled(code):
            return
        self.issues.append({
            'code': code,
            'file': path.replace(os.sep, '/'),
            'line': node.lineno,
            'col': node.col_offset,
            'message': message,
            'notes': list(notes),
        })

    # -- project file --------------------------------------------------

    def project(self, path):
        nodes = file_nodes(path)
        uses_call = any(
            isinstance(n, ast.Name) and n.id == 'releng_config' for n in nodes)
        if uses_call:
            for node, name in assigned_names(nodes):
                if name in PROJECT_OPTIONS:
                    # releng-tool's own words (and, as there, no note)
                    self.add(200, path, node,
                             'use of global option is ignored when using '
                             f'releng_config: {name}')
        self.register_path(path, nodes)

    def register_path(self, path, nodes):
        for node in nodes:
            if isinstance(node, ast.Name) and node.id == 'releng_register_path':
                self.add(300, path, node,
                         'releng_register_path is deprecated',
                         ['(call releng_register_python_path instead)'])

    # -- package definitions -------------------------------------------

    def package(self, pkg):
        path = pkg['file']
        if not os.path.isfile(path):
            return
        name = pkg['name']
        key = lambda option: option_key(name, option)  # noqa: E731
        known = {key(option) for option in PACKAGE_OPTIONS}
        suffixes = tuple('_' + option for option in PACKAGE_OPTIONS)
        nodes = file_nodes(path)

        for node in nodes:
            if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Store):
                continue
            self.unknown_option(path, node, known, suffixes)
            if node.id == key('LICENSE'):
                self.license(path, node, pkg.get('license') or [])

        # the file-wide rules, in code order
        assigns = list(assigned_names(nodes))
        self.url_for_file(path, nodes, key)
        self.deprecated_deps(path, assigns, key)
        self.host_provides(path, nodes, key)
        for code, pkg_type, options in TYPE_RULES:
            self.type_options(path, pkg, assigns, key, code, pkg_type, options)
        self.git_options(path, pkg, assigns, key)
        self.devmode_options(path, assigns, key)
        for node, target in assigns:
            for option in REMOTE_OPTIONS:
                if target == key(option):
                    self.add(115, path, node,
                             f'{target}: remote package configuration and '
                             'scripts are to be dropped from releng-tool')
                    break
        self.type_options(path, pkg, assigns, key, *XMAKE_RULE)
        self.register_path(path, nodes)

    def unknown_option(self, path, node, known, suffixes):
        # RT100: a name ending like a package option, or containing one,
        # that is not one of this package's options (a typo, or another
        # package's prefix)
        if node.id in known:
            return
        if node.id.endswith(suffixes) or any(k in node.id for k in known):
            self.add(100, path, node,
                     f'{node.id} is not an option of this package '
                     '(a misspelt option or package name?)')

    def license(self, path, node, values):
        notes = []
        for value in values:
            ok, licenses, exceptions = spdx_parts(value)
            for ident in licenses:
                if is_license_ref(ident):
                    continue
                deprecated = self.licenses.get(ident)
                if deprecated is None:
                    notes.append(f'- unknown spdx license detected: {ident}')
                elif deprecated:
                    notes.append(f'- deprecated spdx license detected: {ident}')
            for ident in exceptions:
                deprecated = self.exceptions.get(ident)
                if deprecated is None:
                    notes.append(f'- unknown spdx license exception detected: {ident}')
                elif deprecated:
                    notes.append(f'- deprecated spdx license exception detected: {ident}')
            if not ok:
                notes.append(f'- unexpected spdx license format detected: "{value}"')
        if notes:
            # releng-tool's words, which people search its output for
            self.add(101, path, node,
                     f'unexpected spdx license configuration: {node.id}', notes)

    def url_for_file(self, path, nodes, key):
        # RT102: VCS_TYPE = 'url' with a file:// site. Per assignment, the
        # first of its targets naming either option takes the literal; a
        # later assignment replaces an earlier one until both are known.
        site = None
        vcs_node = None
        vcs = None
        for node in nodes:
            if not isinstance(node, ast.Assign):
                continue
            literal, value = constant_of(node)
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            for name in names if literal else ():
                if name == key('SITE'):
                    site = str(value)
                    break
                if name == key('VCS_TYPE'):
                    vcs_node, vcs = node, str(value)
                    break
            if site and vcs_node:
                break
        if site and vcs_node and vcs == 'url' and site.startswith('file://'):
            self.add(102, path, vcs_node,
                     f"{key('VCS_TYPE')} = 'url' for a file:// site is deprecated",
                     [f"(set {key('VCS_TYPE')} to 'file')"])

    def deprecated_deps(self, path, assigns, key):
        for node, target in assigns:
            if target == key('DEPENDENCIES'):
                self.add(103, path, node,
                         f"{key('DEPENDENCIES')} is deprecated",
                         [f"(rename it to {key('NEEDS')})"])
                return

    def host_provides(self, path, nodes, key):
        # RT104: HOST_PROVIDES set while no literal INSTALL_TYPE says 'host'
        # (the last one seen wins, except that once a non-host one is seen
        # it stays); per assignment, its first target naming either option
        # counts.
        provides = None
        installs_to = None
        for node in nodes:
            if not isinstance(node, ast.Assign):
                continue
            literal, value = constant_of(node)
            for target in node.targets:
                if not isinstance(target, ast.Name):
                    continue
                if target.id == key('HOST_PROVIDES'):
                    provides = node
                    break
                if installs_to == 'other':
                    continue
                if target.id == key('INSTALL_TYPE') and literal:
                    installs_to = 'host' if value == 'host' else 'other'
                    break
            if provides and installs_to == 'other':
                break
        if provides and installs_to != 'host':
            self.add(104, path, provides,
                     f"{key('HOST_PROVIDES')} is set but the package does "
                     'not install to the host',
                     [f"(drop {key('HOST_PROVIDES')}, or set "
                      f"{key('INSTALL_TYPE')} = 'host')"])

    def type_options(self, path, pkg, assigns, key, code, pkg_type, options):
        if pkg.get('type') == pkg_type:
            return
        for node, target in assigns:
            if target == key('TYPE') and constant_of(node) == (True, pkg_type):
                return
        self.only_for(path, assigns, key, code, options,
                      f'only applies to {pkg_type} packages')

    def git_options(self, path, pkg, assigns, key):
        if pkg.get('vcsType') == 'git':
            return
        for node, target in assigns:
            literal, value = constant_of(node)
            if not literal:
                continue
            if target == key('SITE') and isinstance(value, str) \
                    and site_vcs_type(value) == 'git':
                return
            if target == key('VCS_TYPE') and value == 'git':
                return
        self.only_for(path, assigns, key, 113, GIT_OPTIONS,
                      'only applies to packages fetched with git')

    def devmode_options(self, path, assigns, key):
        if any(target == key('DEVMODE_REVISION') for _, target in assigns):
            return
        self.only_for(path, assigns, key, 114, DEVMODE_OPTIONS,
                      'only applies to a package with a development-mode '
                      f"revision ({key('DEVMODE_REVISION')} is not set)")

    def only_for(self, path, assigns, key, code, options, why):
        wanted = [key(option) for option in options]
        for node, target in assigns:
            if target in wanted:
                self.add(code, path, node, f'{target} {why}')


def main():
    request = json.load(sys.stdin)
    linter = Linter(request)
    try:
        linter.project(request['config'])
        for pkg in request['packages']:
            linter.package(pkg)
    except SyntaxError as err:
        json.dump({'error': f'{err.filename}:{err.lineno}: {err.msg}'}, sys.stdout)
        return 0
    json.dump({'issues': linter.issues}, sys.stdout)
    return 0


if __name__ == '__main__':
    sys.exit(main())
