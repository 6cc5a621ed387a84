# demo: memograms: split a signed memo into grams, decode their headers, join them back
set -euo pipefail
cd "$DEMO_WORK"

memo='Memograms carry a memo of any length over datagrams: each gram is small enough for
one datagram, and a receiver joins them back, in any order, checking every signature.'

echo "\$ memo-send --keygen alice.key"
vid=$(memo-send --keygen alice.key)
echo "$vid   (key file mode $(stat -c %a alice.key))"

echo
echo "\$ memo-send --emit hex --size 200 --sign alice.key <memo >grams.hex"
printf '%s' "$memo" | memo-send --emit hex --size 200 --sign alice.key >grams.hex
cut -c1-100 grams.hex | sed 's/$/…/'

echo
echo "\$ memo-recv --read hex --explain <grams.hex"
memo-recv --read hex --explain <grams.hex

echo
echo "\$ tac grams.hex | memo-recv --read hex --authic --format raw   # reversed order, signed only"
joined=$(tac grams.hex | memo-recv --read hex --authic --format raw)
printf '%s\n' "$joined"

if [ "$joined" == "$memo" ]; then
  echo "joined memo equals the input"
else
  echo "joined memo differs from the input" >&2
  exit 1
fi
