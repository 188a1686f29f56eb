#!/bin/sh
# Print the public symbols of libctr/libctr.map as a markdown list (for ABI.md).
set -eu
cd "$(dirname "$0")/.."
sed -n '/global:/,/local:/p' libctr/libctr.map | grep -o 'ctr_[a-z0-9_]*' | sed 's/.*/- `&`/'
