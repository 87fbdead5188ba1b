#!/usr/bin/env bash
# `make lint`: swift-format's lint with the repository's .swift-format (strict: a finding fails), and no line of
# Swift over the configured 140 columns (swift-format does not break string literals or comments).
set -euo pipefail
cd "$(dirname "$0")/.."
swift format lint --strict --recursive --parallel Package.swift Sources Tests
limit=$(sed -n 's/.*"lineLength" *: *\([0-9]*\).*/\1/p' .swift-format)
# Columns are characters, not bytes (grep in a UTF-8 locale), as swift-format counts them.
long=$(LC_ALL=C.UTF-8 grep -rnE --include='*.swift' "^.{$((limit + 1)),}" Sources Tests | cut -d: -f1,2 || true)
if [ -n "$long" ]; then
    printf '%s\n' "$long" >&2
    echo "lint: $(printf '%s\n' "$long" | wc -l) line(s) over $limit columns" >&2
    exit 1
fi
echo "lint: clean"
