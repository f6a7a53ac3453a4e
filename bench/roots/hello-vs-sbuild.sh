#!/usr/bin/env bash
# Full build of Debian's hello 2.10-3 (.dsc) — releng root build vs sbuild
# --chroot-mode=unshare, interleaved, REPS times (default 2).
#
#   bash bench/roots/hello-vs-sbuild.sh DSC_DIR SBUILD_USER [REPS]
#
# DSC_DIR holds hello_2.10-3.dsc and its files (apt-get source --download-only hello).
# SBUILD_USER is a non-root user with /etc/subuid entries and the sbuild tarball
# ~/.cache/sbuild/bookworm-amd64.tar.zst (mmdebstrap --variant=buildd --format=tar
# bookworm …); sbuild installs the build dependencies in every build. releng runs as
# root against RELENG_ROOTS_DIR's root "bench-bookworm": "cold" removes the cached
# build-dependency layers first (apt installs them, as sbuild does), "warm" keeps them.
set -euo pipefail
dsc_dir=$(realpath "$1"); user=$2; reps=${3:-2}
here=$(cd "$(dirname "$0")/../.." && pwd)
node="$here/node_modules/.bin/node"
cache=${RELENG_ROOTS_DIR:?set RELENG_ROOTS_DIR}
"$node" "$here/bin/releng.mjs" root create bench-bookworm >/dev/null 2>&1
t() { local s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }
home=$(getent passwd "$user" | cut -d: -f6)
for i in $(seq "$reps"); do
  rm -rf "$cache"/layers/*
  out=$(mktemp -d)
  cold=$(t "$node" "$here/bin/releng.mjs" root build bench-bookworm "$dsc_dir/hello_2.10-3.dsc" --out "$out")
  warm=$(t "$node" "$here/bin/releng.mjs" root build bench-bookworm "$dsc_dir/hello_2.10-3.dsc" --out "$out")
  rm -rf "$out"
  work="$home/releng-bench-sbuild"; rm -rf "$work"; mkdir -p "$work"; cp "$dsc_dir"/hello_2.10* "$work"; chown -R "$user": "$work"
  sb=$(t su "$user" -c "cd '$work' && sbuild --chroot-mode=unshare --dist=bookworm --arch=amd64 --no-run-lintian --no-source hello_2.10-3.dsc")
  ls "$work"/hello_2.10-3_amd64.deb >/dev/null
  rm -rf "$work"
  echo "rep $i: releng cold ${cold}s  releng warm ${warm}s  sbuild ${sb}s"
done
