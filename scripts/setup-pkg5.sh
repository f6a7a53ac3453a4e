#!/usr/bin/env bash
# Builds the pkg(5) reference tools (pkgfmt, pkgmogrify, pkglint, pkgdepend, pkgsend, pkgrepo, pkg) from the
# vendored test/reference/pkg5.tar.xz so the IPS manifest tests can diff against them. Test reference only:
# releng's code never imports it.
#
# Installs into $RELENG_PKG5_HOME (default /opt/releng-pkg5 as root, else ~/.cache/releng-pkg5); does nothing
# when that copy was built from the same archive. Needs gcc, python3-dev and the python3-* packages listed in
# scripts/apt-packages.txt (section "IPS manifests").
#
# Shims, because pkg(5) targets Solaris and an older Python:
# - actions/_actions.c passes an int length to a '#' format: built with PY_SSIZE_T_CLEAN and the two lengths
#   widened to Py_ssize_t (Python 3.10+ refuses the int form).
# - sitecustomize.py gives platform.dist() back (removed in Python 3.8; pkg.portable calls it on Linux) and drops
#   the `codeset` argument of gettext.install/translation (removed in Python 3.11).
# - configparser.ConfigParser allows value-less options (pkglint's defaults hold a None, refused since 3.x).
# - pkg._syscallat (used by pkglint and the client) is built with cffi from its own build script.
# - pkglint runs with -f $RELENG_PKG5_HOME/etc/pkglintrc (the shipped pkglintrc, pointed at the shipped
#   opensolaris.org.sections) instead of /usr/share/lib/pkg/pkglintrc.
# - the elf extension (Solaris libelf) is not built.
set -euo pipefail
cd "$(dirname "$0")/.."
archive="$PWD/test/reference/pkg5.tar.xz"
python=/usr/bin/python3
if [ -z "${RELENG_PKG5_HOME:-}" ]; then
  if [ "$(id -u)" -eq 0 ]; then RELENG_PKG5_HOME=/opt/releng-pkg5; else RELENG_PKG5_HOME="$HOME/.cache/releng-pkg5"; fi
fi
home="$RELENG_PKG5_HOME"
stamp="$(sha256sum "$archive" "$0" | sha256sum | cut -c1-16)"
if [ -f "$home/.stamp" ] && [ "$(cat "$home/.stamp")" = "$stamp" ]; then
  exit 0
fi
echo "building the pkg(5) reference tools into $home"
mkdir -p "$(dirname "$home")"
work="$(mktemp -d "${home%/}.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/lib/pkg" "$work/shim" "$work/bin"
tar -xJf "$archive" -C "$work/src"
cp -r "$work/src/src/modules/." "$work/lib/pkg/"
inc="$($python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
suf="$($python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
m="$work/src/src/modules"
sed -i 's/^\tint strl, typestrl;/\tPy_ssize_t strl, typestrl;/' "$m/actions/_actions.c"
cc=(gcc -shared -fPIC -O2 -w -DPY_SSIZE_T_CLEAN -I"$inc")
"${cc[@]}" "$m/actions/_actions.c" -o "$work/lib/pkg/actions/_actions$suf"
"${cc[@]}" "$m/actions/_common.c" -o "$work/lib/pkg/actions/_common$suf"
"${cc[@]}" "$m/_varcet.c" -o "$work/lib/pkg/_varcet$suf"
"${cc[@]}" -fno-strict-aliasing -D_FILE_OFFSET_BITS=64 -I"$m/solver" "$m/solver/solver.c" "$m/solver/py_solver.c" \
  -lm -o "$work/lib/pkg/solver$suf"
(cd "$work/src/src/cffi_src" && $python build_syscallat.py >/dev/null && cp cffi_src/_syscallat*.so "$work/lib/pkg/")
mkdir -p "$work/etc"
cp "$work/src/src/util/opensolaris.org.sections" "$work/etc/"
sed "s|^info_classification_path = .*|info_classification_path = $home/etc/opensolaris.org.sections|" \
  "$work/src/src/util/pkglintrc" > "$work/etc/pkglintrc"

cat > "$work/shim/sitecustomize.py" <<'PY'
# Shims so pkg(5) of 2021 runs on Debian 12's Python (see scripts/setup-pkg5.sh).
import gettext
import platform

if not hasattr(platform, "dist"):
    platform.dist = lambda: ("debian", "", "")


def _drop_codeset(fn):
    def wrapped(*args, **kwargs):
        kwargs.pop("codeset", None)
        return fn(*args, **kwargs)
    return wrapped


gettext.install = _drop_codeset(gettext.install)
gettext.translation = _drop_codeset(gettext.translation)

import configparser

_cp_init = configparser.ConfigParser.__init__


def _cp_allow_none(self, *args, **kwargs):
    kwargs.setdefault("allow_no_value", True)
    _cp_init(self, *args, **kwargs)


configparser.ConfigParser.__init__ = _cp_allow_none
PY

wrapper() {
  local name="$1" script="$2" opts="${3:-}"
  cat > "$work/bin/$name" <<SH
#!/bin/sh
# pkg(5) reference tool, built by scripts/setup-pkg5.sh
PYTHONPATH="$home/shim:$home/lib" exec $python -W ignore::SyntaxWarning "$home/src/$script" $opts "\$@"
SH
  chmod 755 "$work/bin/$name"
}
wrapper pkgfmt src/util/publish/pkgfmt.py
wrapper pkgmogrify src/util/publish/pkgmogrify.py
wrapper pkglint src/util/publish/pkglint.py "-f $home/etc/pkglintrc"
wrapper pkgdepend src/pkgdep.py
wrapper pkgsend src/publish.py
wrapper pkgrepo src/pkgrepo.py
wrapper pkg src/client.py
echo "$stamp" > "$work/.stamp"

rm -rf "$home.old"
[ -e "$home" ] && mv "$home" "$home.old"
mv "$work" "$home"
rm -rf "$home.old"
trap - EXIT
echo 'set name=pkg.fmri value=pkg:/a@1' | "$home/bin/pkgfmt" > /dev/null
