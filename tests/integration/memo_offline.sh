#!/usr/bin/env bash
# memo-send --emit hex | memo-recv --read hex: every dialect and form, signed (B and D
# with a trust file), JSON output, drop lines, --explain, key files, exit statuses.
source "$(dirname "$0")/common.sh"

send=$BIN/memo-send
recv=$BIN/memo-recv
cd "$WORK"

memo='See ya later alligator! A memo long enough to need several grams at a small size.'

# Round trips, unsigned.
for dialect in 1aa baa legacy; do
  for form in "" --binary; do
    got=$(printf '%s' "$memo" | "$send" --emit hex --dialect $dialect $form --size 40 |
      "$recv" --read hex)
    expect_eq "round trip $dialect ${form:-text}" "$got" "$memo"
  done
done

# Byte-identical to hio with a pinned MID (spec V1, the baa vector).
got=$(printf 'See ya later!' | "$send" --emit hex --dialect baa --size 38 --mid 0AD5s502N14R8bWw8qyvRW-S)
expect_eq "baa grams match hio" "$got" "624141414141414430414435733530324e313452386257773871797652572d53536565207961
624141424141414230414435733530324e313452386257773871797652572d53206c61746572
624141424141414330414435733530324e313452386257773871797652572d5321"
got=$(printf 'See ya later!' | "$send" --emit hex --dialect legacy --size 38 --mid __D5s502N14R8bWw8qyvRW-S | head -n 1)
expect_eq "legacy grams match hio" "$got" "5f5f4435733530324e313452386257773871797652572d534141414141414143536565207961"

# Keys: created 0600, the vid printed is the file's second line.
vid_b=$("$send" --keygen alice.key)
expect_eq "keygen mode" "$(stat -c %a alice.key)" "600"
expect_eq "keygen prints its vid" "$vid_b" "$(sed -n 2p alice.key)"
[[ $vid_b == B* && ${#vid_b} -eq 44 ]] || fail "B vid looks wrong: $vid_b"
vid_d=$("$send" --keygen dave.key --vid-code D)
[[ $vid_d == D* && ${#vid_d} -eq 44 ]] || fail "D vid looks wrong: $vid_d"
expect_eq "keygen D mode" "$(stat -c %a dave.key)" "600"
expect_status "keygen refuses an existing file" 2 "$send" --keygen alice.key

# Signed round trips: B needs nothing, D needs a trust file.
printf '# trust file\n%s B%s  # dave\n\n' "$vid_d" "${vid_d:1}" >trust.txt
for dialect in 1aa baa legacy; do
  for form in "" --binary; do
    got=$(printf '%s' "$memo" | "$send" --emit hex --dialect $dialect $form --size 200 --sign alice.key |
      "$recv" --read hex --authic --json)
    expect_eq "signed B $dialect ${form:-text}" \
      "$(printf '%s' "$got" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["vid"], j["dialect"], j["memo"])')" \
      "$vid_b $dialect $memo"
    got=$(printf '%s' "$memo" | "$send" --emit hex --dialect $dialect $form --size 200 --sign dave.key |
      "$recv" --read hex --authic --trust trust.txt)
    expect_eq "signed D $dialect ${form:-text}" "$got" "$memo"
  done
done

# A D vid without a trust entry: dropped, -v says why, exit 1.
printf '%s' "$memo" | "$send" --emit hex --sign dave.key >dave.hex
status=0
"$recv" --read hex -v <dave.hex >out.txt 2>err.txt || status=$?
expect_eq "unknown D vid exit" "$status" "1"
grep -q 'line 1: dropped: unknown_vid' err.txt || fail "no unknown_vid drop line: $(cat err.txt)"
pass "unknown D vid drop line"

# --json: mid, vid null, dialect, memo or memo_base64.
got=$(printf 'hi' | "$send" --emit hex --dialect baa --mid 0AD5s502N14R8bWw8qyvRW-S | "$recv" --read hex --json)
expect_eq "json unsigned" "$got" '{"mid":"0AD5s502N14R8bWw8qyvRW-S","vid":null,"dialect":"baa","memo":"hi"}'
got=$(printf '\x00\xff\xfe' | "$send" --emit hex --binary | "$recv" --read hex --json |
  python3 -c 'import json,sys; j=json.load(sys.stdin); print(j.get("memo"), j["memo_base64"])')
expect_eq "json memo_base64" "$got" "None AP/+"

# -v: one line per dropped gram with its reason; the good memo still arrives.
{
  echo "not hex at all"
  echo "58414151"
  printf 'ok' | "$send" --emit hex
} >mixed.hex
status=0
"$recv" --read hex -v <mixed.hex >out.txt 2>err.txt || status=$?
expect_eq "drops make exit 1" "$status" "1"
expect_eq "good memo delivered among bad lines" "$(cat out.txt)" "ok"
grep -q 'line 1: dropped: not_hex' err.txt || fail "no not_hex line: $(cat err.txt)"
grep -q 'line 2: dropped: unknown_form' err.txt || fail "no unknown_form line: $(cat err.txt)"
pass "-v drop lines"

# Unsigned grams to an authic receiver: dropped.
status=0
printf 'x' | "$send" --emit hex | "$recv" --read hex --authic -v >out.txt 2>err.txt || status=$?
expect_eq "authic refuses unsigned" "$status:$(cat out.txt)" "1:"
grep -q 'unsigned_refused' err.txt || fail "no unsigned_refused line"

# --explain: per gram dialect, form, code and name, count or number, MID, VID, body, signature.
printf 'Hello there.' | "$send" --emit hex --size 170 --sign alice.key --mid 0AD5s502N14R8bWw8qyvRW-S >signed.hex
"$recv" --read hex --explain <signed.hex >explain.txt
grep -q "^line 1: dialect=1aa form=text code=1AAS (GramAuthZero) zeroth count=2 mid=0AD5s502N14R8bWw8qyvRW-S vid=$vid_b body=6 sig=valid status=accepted$" explain.txt ||
  fail "explain line 1: $(cat explain.txt)"
grep -q "^line 2: dialect=1aa form=text code=1AAT (GramAuth) number=1 mid=0AD5s502N14R8bWw8qyvRW-S body=6 sig=valid status=accepted memo=complete$" explain.txt ||
  fail "explain line 2: $(cat explain.txt)"
pass "--explain"
# A later signed gram first: held, then completed by the zeroth.
got=$(tac signed.hex | "$recv" --read hex)
expect_eq "signed later gram before zeroth is held" "$got" "Hello there."

# Incomplete memo at end of input: exit 1.
status=0
head -n 1 signed.hex | "$recv" --read hex 2>err.txt || status=$?
expect_eq "incomplete memo exit" "$status" "1"
grep -q '1 incomplete' err.txt || fail "no incomplete count: $(cat err.txt)"

# Bad key and trust files name the file and line; exit 2.
echo "nonsense" >bad.key
status=0
"$send" --emit hex --sign bad.key x 2>err.txt || status=$?
expect_eq "bad key file exit" "$status" "2"
grep -q '^memo-send: bad.key:1: ' err.txt || fail "bad key error: $(cat err.txt)"
{ sed -n 1p alice.key; echo "$vid_d"; } >mismatch.key
status=0
"$send" --emit hex --sign mismatch.key x 2>err.txt || status=$?
expect_eq "foreign vid exit" "$status" "2"
grep -q '^memo-send: mismatch.key:2: ' err.txt || fail "mismatch key error: $(cat err.txt)"
printf '# ok\n%s\n' "$vid_d" >bad-trust.txt
status=0
"$recv" --read hex --trust bad-trust.txt </dev/null 2>err.txt || status=$?
expect_eq "bad trust file exit" "$status" "2"
grep -q '^memo-recv: bad-trust.txt:2: ' err.txt || fail "bad trust error: $(cat err.txt)"
expect_status "missing key file" 2 "$send" --emit hex --sign missing.key x

# Usage errors and refusals.
expect_status "legacy has no sure codes" 2 "$send" --emit hex --dialect legacy --sure x
expect_status "sure codes in 1aa" 0 "$send" --emit hex --sure x
expect_status "--to and --emit do not go together" 2 "$send" --to udp://127.0.0.1:5000 --emit hex x
expect_status "an ENDPOINT and --read hex do not go together" 2 "$recv" udp://127.0.0.1:0 --read hex
expect_status "unknown dialect" 2 "$send" --emit hex --dialect nope x
expect_status "bad --mid" 2 "$send" --emit hex --mid short x
status=0
printf '\xff' | "$send" --emit hex --utf8 2>err.txt || status=$?
expect_eq "--utf8 refuses non-UTF-8" "$status" "1"
got=$(printf '' | "$send" --emit hex | wc -l)
expect_eq "empty memo makes no grams" "$got" "0"
got=$(printf 'x' | "$send" --emit hex --binary --size 38 | "$recv" --read hex)
expect_eq "tiny binary memo keeps its content" "$got" "x"
