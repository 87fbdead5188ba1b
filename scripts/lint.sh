#!/usr/bin/env bash
# `make lint`: swift-format's lint with the repository's .swift-format (strict: a finding fails), and no line of
# Swift over the configured 140 columns (swift-format does not break string literals or comments).
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --recursive --parallel Package.swift Sources Tests
limit=$(sed -n 's/.*"lineLength" *: *\([0-9]*\).*/\1/p' .swift-format)
long=$(find Sources Tests -name '*.swift' -print0 | xargs -0 awk -v limit="$limit" \
    'length($0) > limit { printf "%s:%d: %d columns (limit %d)\n", FILENAME, FNR, length($0), limit }')
if [ -n "$long" ]; then
    printf '%s\n' "$long" >&2
    echo "lint: $(printf '%s\n' "$long" | wc -l) line(s) over $limit columns" >&2
    exit 1
fi
echo "lint: clean"
