#!/usr/bin/env bash
# Every part of scripts/demo runs and checks itself (each exits non-zero when its result is
# wrong), so a change that breaks the demo fails here first.
source "$(dirname "$0")/common.sh"

export PATH="$BIN:$PATH"
for part in "$WIREKIT_SRC"/scripts/demo.d/*.sh; do
  name=$(basename "$part" .sh)
  export DEMO_WORK="$WORK/$name"
  mkdir -p "$DEMO_WORK"
  timeout "$wk_timeout" bash "$part" >"$WORK/$name.log" 2>&1 || fail "demo part $name: $(tail -5 "$WORK/$name.log")"
  pass "demo part $name"
done
