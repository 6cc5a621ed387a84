# demo: moatcmd: MoaT-Cmd calls over a child process
set -euo pipefail
server="exec:moatcmd serve --demo"
echo '$ moatcmd call --connect "exec:moatcmd serve --demo" echo 1 two x=3'
out=$(moatcmd call --connect "$server" echo 1 two x=3)
echo "$out"
[ "$out" == '[1,"two",{"x":3}]' ] || { echo "unexpected reply: $out" >&2; exit 1; }
echo '$ seq 100 | moatcmd call -c "exec:moatcmd serve --demo" --stream-w sum'
out=$(seq 100 | moatcmd call -c "$server" --stream-w sum)
echo "$out"
[ "$out" == '[5050]' ] || { echo "unexpected sum: $out" >&2; exit 1; }
echo '$ moatcmd call -c "exec:moatcmd serve --demo" --stream-r count 3'
moatcmd call -c "$server" --stream-r count 3
echo '$ moatcmd call -c "exec:moatcmd serve --demo" fail boom   # exits 1'
if moatcmd call -c "$server" fail boom; then echo "a remote error must exit 1" >&2; exit 1; fi
echo '$ printf 8500646563686f016374776fa1617803 | moatcmd decode --hex --table'
printf 8500646563686f016374776fa1617803 | moatcmd decode --hex --table
