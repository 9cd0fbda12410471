#!/bin/sh
# expect.sh [--fail] PATTERN COMMAND [ARG...]
#
# Runs COMMAND, shows the start of its output (stdout and stderr), and
# fails unless it succeeded (with --fail: failed) and its output matches
# PATTERN (grep -E). `make examples` checks the example programs with it.
fail=0
if [ "$1" = --fail ]; then fail=1; shift; fi
pattern=$1
shift
out=$("$@" 2>&1)
status=$?
printf '%s\n' "$out" | head -n 12 | cut -c 1-200
if [ "$fail" = 1 ] && [ "$status" = 0 ]; then
  echo "expect.sh: \"$*\" succeeded; it should have failed" >&2
  exit 1
fi
if [ "$fail" = 0 ] && [ "$status" != 0 ]; then
  echo "expect.sh: \"$*\" failed (exit status $status)" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
  echo "expect.sh: the output of \"$*\" does not match /$pattern/" >&2
  exit 1
fi
