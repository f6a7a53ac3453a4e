#!/bin/sh
# {{ name }} prerm (deb: remove | upgrade <new> | deconfigure | failed-upgrade;
# RPM %preun: 0 = erase, 1 = upgrade, run after the new version's %post).
set -e

venv="${DPKG_ROOT:-}{{ APP_HOME }}/venv"

case "$1" in
  remove | 0)
    if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
      systemctl stop {{ name }}.service >/dev/null 2>&1 || true
    fi
    ;;
esac

case "$1" in
  remove | upgrade | deconfigure | 0)
    # Byte-code from postinst (or from Python at run time) is not in the
    # package's file list; without this the venv directories would stay.
    if [ -d "$venv" ]; then
      find "$venv" -depth -type d -name __pycache__ -exec rm -rf {} + 2>/dev/null || true
    fi
    ;;
esac

exit 0
