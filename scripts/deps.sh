#!/bin/sh
# Install the Debian packages libctr needs that are missing (as root, with apt-get), or
# say which to install. Usage: scripts/deps.sh [extra packages...]
set -eu

PKGS="make gcc pkgconf libtdb-dev libjson-c-dev libseccomp-dev libcap-dev libarchive-dev
      libacl1-dev libzstd-dev liblz4-dev nettle-dev liblzma-dev libbz2-dev zlib1g-dev libxml2-dev
      procps
      check runc crun criu busybox-static clang libclang-rt-14-dev abigail-tools
      luajit python3-pytest python3-venv tdb-tools musl-tools valgrind golang-github-containers-common
      umoci skopeo podman docker-registry jq zstd containernetworking-plugins iptables iproute2"
PKGS="$PKGS $*"

missing=""
for p in $PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run as root: apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
