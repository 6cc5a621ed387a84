#!/usr/bin/env bash
# Memo goodput through the sockets (udp loopback, unix datagram; unsigned and signed) as a
# ratio to raw datagrams of the same size and to libsodium's verification rate, all
# measured in the same run. Goals: unsigned ≥ 0.80 of raw; signed ≥ 0.80 of verify. Signing
# alone is measured too: for large grams it costs more than verifying and bounds the sender.
set -euo pipefail
bench=${WIREKIT_BUILD:-build}/bench/memo_transport_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bench" --benchmark_out="$out" --benchmark_out_format=json "$@" >&2
python3 - "$out" <<'PY'
import json, sys
runs = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
mib = lambda n: runs.get(n, {}).get("bytes_per_second", 0) / 2**20
raw = {"udp": mib("BM_raw/udp/real_time"), "uxd": mib("BM_raw/uxd/real_time")}
verify = {k: mib(f"BM_verify/{k}/real_time") for k in ("udp", "uxd")}
print(f"raw udp, 1240-byte datagrams:     {raw['udp']:8.0f} MiB/s")
print(f"raw uxd, 65535-byte datagrams:    {raw['uxd']:8.0f} MiB/s")
sign = {k: mib(f"BM_sign/{k}/real_time") for k in ("udp", "uxd")}
for kind, size in (("udp", 1240), ("uxd", 65535)):
    print(f"Ed25519 alone, {size:5d}-byte grams: verify {verify[kind]:6.0f} MiB/s, sign {sign[kind]:6.0f} MiB/s of memo")
for kind in ("udp", "uxd"):
    for sig in ("unsigned", "signed"):
        rate = mib(f"BM_memo/{kind}_{sig}/real_time")
        line = f"memo {kind} {sig:8s}:             {rate:8.0f} MiB/s  vs raw {rate / raw[kind]:.2f}" if raw[kind] else ""
        if sig == "signed" and verify[kind]:
            line += f"  vs verify {rate / verify[kind]:.2f}"
            if sign[kind] and sign[kind] < verify[kind]:
                line += f"  vs sign (the lower bound here) {rate / sign[kind]:.2f}"
        print(line)
PY
