#!/bin/sh
# `make bench`: libctr's costs, printed as a markdown table (min / median / p99).
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
tests/fixtures/mkrootfs.sh "$B/rootfs"
rootfs=$(pwd)/$B/rootfs
echo "| metric | min | median | p99 | target |"
echo "|---|---|---|---|---|"
"$B/bench/bench_store" "$rootfs" 1000
"$B/bench/bench_store" "$rootfs" 1000 sync | grep 'ctr_create'
