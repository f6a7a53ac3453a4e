#!/bin/sh
# {{ name }} postinst (deb: "configure" [old-version]; RPM %post: 1 = install, 2 = upgrade).
set -e

# dpkg sets DPKG_ROOT when it installs into another root (dpkg --root with
# --force-script-chrootless); the files are below it then.
venv="${DPKG_ROOT:-}{{ APP_HOME }}/venv"

case "$1" in
  configure | 1 | 2)
    # The package ships no byte-code (the build purges it: it holds build
    # times and paths). Compile it here, once the files are in place; prerm
    # removes it again so the directories can be removed.
    if [ -x "$venv/bin/python" ]; then
      if [ -n "${DPKG_ROOT:-}" ]; then
        "$venv/bin/python" -m compileall -q -s "$DPKG_ROOT" -p / "$venv/lib" >/dev/null || true
      else
        "$venv/bin/python" -m compileall -q "$venv/lib" >/dev/null || true
      fi
    fi
    # Load the new unit only when systemd is the running init: not in a
    # chroot, an image build, a container without systemd or a --root install.
    if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
      systemctl daemon-reload >/dev/null 2>&1 || true
    fi
    ;;
esac

exit 0
