#!/bin/sh
# Run the reader's differential test over the YAML test suite (github:yaml/yaml-test-suite,
# its `data` branch: one folder per document, each holding `in.yaml`). The suite's files are
# never committed here: this fetches a copy into DIR (default: a cache folder) once.
#   tests/yaml_test_suite.sh [DIR]
set -eu
dir=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/filmcli-yaml-test-suite}
if [ ! -d "$dir" ]; then
    git clone --quiet --depth 1 --branch data https://github.com/yaml/yaml-test-suite "$dir"
fi
cd "$(dirname "$0")/.."
FILMCLI_YAML_TEST_SUITE=$dir exec python -m pytest tests/test_reader_exact.py -q -s \
    -p no:cacheprovider -k yaml_test_suite
