#!/bin/sh
# {{ name }} postrm (deb: remove | purge | upgrade | ...; RPM %postun: 0 = erase, 1 = upgrade).
set -e

case "$1" in
  remove | purge | 0)
    # Forget the removed unit, when systemd is the running init.
    if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
      systemctl daemon-reload >/dev/null 2>&1 || true
    fi
    ;;
esac

exit 0
