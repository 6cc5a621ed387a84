#!/usr/bin/env bash
# Memo goodput through the sockets (udp loopback, unix datagram; unsigned and signed) as a
# ratio to raw datagrams of the same size and to libsodium's verification rate, all
# measured in the same run. Goals: unsigned ≥ 0.80 of raw; signed ≥ 0.80 of verify.
set -euo pipefail
bench=${WIREKIT_BUILD:-build}/bench/memo_transport_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bench" --benchmark_out="$out" --benchmark_out_format=json "$@" >&2
python3 - "$out" <<'PY'
import json, sys
runs = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
mib = lambda n: runs[n].get("bytes_per_second", 0) / 2**20
print(f"raw udp (1240-byte datagrams):   {mib('BM_raw/udp'):8.0f} MiB/s")
print(f"raw uxd (65535-byte datagrams):  {mib('BM_raw/uxd'):8.0f} MiB/s")
for kind in ("udp", "uxd"):
    for sig in ("unsigned", "signed"):
        r = runs[f"BM_memo/{kind}_{sig}"]
        extra = f"  vs verify {r['vs_verify']:.2f}" if "vs_verify" in r else ""
        print(f"memo {kind} {sig:8s}: {mib(f'BM_memo/{kind}_{sig}'):8.0f} MiB/s  vs raw {r.get('vs_raw', 0):.2f}{extra}")
PY
