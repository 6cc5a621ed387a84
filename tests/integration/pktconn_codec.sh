# pktconn encode / decode against every packet vector: fields → the library's bytes, and
# those bytes → the same fields.
source "$(dirname "$0")/common.sh"
PK="$BIN/pktconn"
VEC="${VECTORS:?WIREKIT_VECTORS must be set}/packet/packets.jsonl"

python3 - "$VEC" "$WORK" <<'PY'
import json, sys
vec, work = sys.argv[1], sys.argv[2]
fields = open(work + "/fields.jsonl", "w")
wire = open(work + "/wire.hex", "w")
n = 0
for line in open(vec):
    o = json.loads(line)
    if o["kind"] != "packet":
        continue
    fields.write(json.dumps(o["fields"]) + "\n")   # without "hex": encode from the fields
    wire.write(o["hex"])
    n += 1
open(work + "/count", "w").write(str(n))
PY
"$PK" encode < "$WORK/fields.jsonl" > "$WORK/wire.bin"
expect_eq "encode: every packet vector's bytes" "$(od -An -v -tx1 < "$WORK/wire.bin" | tr -d ' \n')" "$(cat "$WORK/wire.hex")"
"$PK" decode --hex < "$WORK/wire.bin" > "$WORK/decoded.jsonl"
expect_eq "decode: one object per packet" "$(wc -l < "$WORK/decoded.jsonl")" "$(cat "$WORK/count")"
python3 - "$WORK" <<'PY' || fail "decode: fields differ from the vectors"
import json, sys
work = sys.argv[1]
for want, got in zip(open(work + "/fields.jsonl"), open(work + "/decoded.jsonl")):
    want, got = json.loads(want), json.loads(got)
    for k, v in want.items():
        if got.get(k) != v:
            sys.exit(f"{k}: want {v!r} got {got.get(k)!r}")
PY
pass "decode: fields equal the vectors"
expect_eq "packet vectors checked" "$(cat "$WORK/count")" 32
