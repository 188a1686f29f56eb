#!/bin/sh
# Print the public symbols of libctr/libctr.map as a markdown list (for ABI.md), node by
# node in the map's order: LIBCTR_1.0's, then LIBCTR_1.1's, ...
set -eu
cd "$(dirname "$0")/.."
sed -n '/global:/,/local:\|^}/p' libctr/libctr.map | grep -o 'ctr_[a-z0-9_]*' | sed 's/.*/- `&`/'
