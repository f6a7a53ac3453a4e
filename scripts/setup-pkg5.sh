#!/usr/bin/env bash
# Builds the pkg(5) reference tools (pkgfmt, pkgmogrify, pkglint, pkgdepend, pkgsend, pkgrepo, pkg) from the
# vendored test/reference/pkg5.tar.xz so the IPS manifest tests can diff against them. Test reference only:
# releng's code never imports it.
#
# Installs into $RELENG_PKG5_HOME (default /opt/releng-pkg5-builds/<stamp> as root, else ~/.cache/releng-pkg5/<stamp>,
# <stamp> naming the content of the archive and of this script); does nothing when that build exists. Needs gcc, python3-dev and the python3-* packages listed in
# scripts/apt-packages.txt (section "IPS manifests").
#
# Shims, because pkg(5) targets Solaris and an older Python:
# - actions/_actions.c passes an int length to a '#' format: built with PY_SSIZE_T_CLEAN and the two lengths
#   widened to Py_ssize_t (Python 3.10+ refuses the int form).
# - sitecustomize.py gives platform.dist() back (removed in Python 3.8; pkg.portable calls it on Linux) and drops
#   the `codeset` argument of gettext.install/translation (removed in Python 3.11).
# - imageplan's boot-environment exclusions return an empty list (not None) off Solaris, so pkg install runs.
# - pkg finds its own "parent image" (for trust anchors) from where the command lives: the wrapper points
#   PKG_CMDPATH into an empty image made here ($RELENG_PKG5_HOME/cmd-image).
# - pkggzip's _write_gzip_header takes the compression level Python 3.x's gzip passes.
# - collections.Iterable & co. point to collections.abc again (moved in Python 3.10; pkgrepo uses them).
# - configparser.ConfigParser allows value-less options (pkglint's defaults hold a None, refused since 3.x).
# - pkg._syscallat (used by pkglint and the client) is built with cffi from its own build script.
# - pkglint runs with -f $RELENG_PKG5_HOME/etc/pkglintrc (the shipped pkglintrc, pointed at the shipped
#   opensolaris.org.sections) instead of /usr/share/lib/pkg/pkglintrc.
# - pkg.portable.get_file_type exists only for Solaris: os_unix gets the same magic-number check.
# - the elf extension (Solaris libelf) does not build on Linux: pkg/elf.py stands in for the three calls
#   pkgdepend makes (is_elf_object, get_info, get_dynamic: NEEDED/FILTER, RUNPATH else RPATH) with pyelftools.
set -euo pipefail
cd "$(dirname "$0")/.."
archive="$PWD/test/reference/pkg5.tar.xz"
python=/usr/bin/python3
# One build per content of the archive and this script, so checkouts of different versions (a worktree
# and main, say) do not replace each other's build.
stamp="$(cat "$archive" "$PWD/scripts/setup-pkg5.sh" | sha256sum | cut -c1-16)"
if [ -z "${RELENG_PKG5_HOME:-}" ]; then
  if [ "$(id -u)" -eq 0 ]; then base=/opt/releng-pkg5-builds; else base="$HOME/.cache/releng-pkg5"; fi
  RELENG_PKG5_HOME="$base/$stamp"
fi
home="$RELENG_PKG5_HOME"
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
sed -i 's/def _write_gzip_header(self):/def _write_gzip_header(self, *args):/' "$work/lib/pkg/pkggzip.py"
perl -0pi -e 's/(# we can.t do this on os other than solaris\n\s+if portable.osname != "sunos":\n\s+return)\n/$1 []\n/' \
  "$work/lib/pkg/client/imageplan.py"
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

import collections
import collections.abc

for _n in ("Iterable", "Mapping", "MutableMapping", "Sequence", "Callable", "Set", "MutableSet"):
    if not hasattr(collections, _n):
        setattr(collections, _n, getattr(collections.abc, _n))
PY

cat > "$work/lib/pkg/elf.py" <<'PY'
# Stand-in for pkg(5)'s elf C extension (Solaris libelf), with pyelftools; see scripts/setup-pkg5.sh.
from elftools.common.exceptions import ELFError as _ELFError
from elftools.elf.elffile import ELFFile


class ElfError(Exception):
    pass


def is_elf_object(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def _open(path, fn):
    with open(path, "rb") as f:
        try:
            return fn(ELFFile(f))
        except _ELFError as e:
            raise ElfError(str(e))


_ARCH = {"EM_386": "i386", "EM_X86_64": "i386", "EM_AMD64": "i386", "EM_SPARC": "sparc",
         "EM_SPARCV9": "sparc", "EM_SPARC32PLUS": "sparc"}
_TYPE = {"ET_EXEC": "exe", "ET_DYN": "so", "ET_REL": "rel", "ET_CORE": "core"}


def get_info(path):
    return _open(path, lambda e: {
        "bits": e.elfclass, "arch": _ARCH.get(e["e_machine"], "none"),
        "type": _TYPE.get(e["e_type"], "none"), "end": "lsb" if e.little_endian else "msb",
        "osabi": "none"})


def get_dynamic(path, **kwargs):
    def dyn(e):
        out = {}
        sec = e.get_section_by_name(".dynamic")
        if sec is None:
            return out
        deps, runpath, rpath = [], None, None
        for t in sec.iter_tags():
            if t.entry.d_tag in ("DT_NEEDED", "DT_FILTER", "DT_SUNW_FILTER"):
                deps.append([t.needed if t.entry.d_tag == "DT_NEEDED" else t.filter, []])
            elif t.entry.d_tag == "DT_RUNPATH":
                runpath = t.runpath
            elif t.entry.d_tag == "DT_RPATH":
                rpath = t.rpath
        if deps:
            out["deps"] = deps
        if runpath or rpath:
            out["runpath"] = runpath or rpath
        return out
    return _open(path, dyn)


def get_hashes(path, **kwargs):
    raise ElfError("ELF hashes are not available in this Linux build of pkg(5)")
PY

# pkg.portable has get_file_type only for Solaris; pkgdepend needs it (magic-number check, as os_sunos's).
cat >> "$work/lib/pkg/portable/os_unix.py" <<'PY'


def get_file_type(actions):
    # Added by releng's scripts/setup-pkg5.sh: what os_sunos.get_file_type does, without pkg.arch.
    import os as _os
    from pkg.portable import ELF, EXEC, SMF_MANIFEST, UNFOUND, PD_LOCAL_PATH
    from pkg.flavor.smf_manifest import is_smf_manifest
    for a in actions:
        lpath = a.attrs[PD_LOCAL_PATH]
        try:
            if _os.stat(lpath).st_size == 0:
                yield "empty file"
                continue
            with open(lpath, "rb") as f:
                magic = f.read(4)
        except FileNotFoundError:
            yield UNFOUND
            continue
        if magic == b"\x7fELF":
            yield ELF
        elif magic[:2] == b"#!":
            yield EXEC
        elif lpath.endswith(".xml"):
            yield SMF_MANIFEST if is_smf_manifest(lpath) else "XML document"
        else:
            yield "unknown"
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
sed -i "s|^PYTHONPATH=|PKG_CMDPATH=\"\${PKG_CMDPATH:-$home/cmd-image/pkg}\" PYTHONPATH=|" "$work/bin/pkg"
echo "$stamp" > "$work/.stamp"

rm -rf "$home.old"
[ -e "$home" ] && mv "$home" "$home.old"
mv "$work" "$home"
rm -rf "$home.old"
trap - EXIT
"$home/bin/pkg" image-create "$home/cmd-image" > /dev/null
echo 'set name=pkg.fmri value=pkg:/a@1' | "$home/bin/pkgfmt" > /dev/null
