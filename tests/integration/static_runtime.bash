# Release tools carry their C++ runtime (WIREKIT_STATIC_CXX_RUNTIME in CMakeLists.txt): none
# of them may load libstdc++.so or libfmt.so when it starts, and each still runs.
# Registered only for builds that link the runtime in (not the sanitizer build).
source "$(dirname "$0")/common.sh"

tools=0
for tool in "$BIN"/* "$BIN"/../libexec/wirekit/*; do
  [ -x "$tool" ] || continue
  name=$(basename "$tool")
  loaded=$(wk_loaded_objects "$tool") || fail "$name: no loader trace"
  if grep -E 'libstdc\+\+|libfmt' <<<"$loaded"; then
    fail "$name loads a shared C++ runtime"
  fi
  expect_status "$name --version runs" 0 "$tool" --version
  tools=$((tools + 1))
done
[ "$tools" -ge 5 ] || fail "only $tools tools found in $BIN"
pass "$tools tools start without libstdc++.so and libfmt.so"
