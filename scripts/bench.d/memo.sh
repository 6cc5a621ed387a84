#!/usr/bin/env bash
# Memo goodput through the sockets (udp loopback, unix datagram; unsigned and signed) as a
# ratio to raw datagrams of the same size and to libsodium's verification rate, all
# measured in the same run. Goals: unsigned ≥ 0.80 of raw; signed ≥ 0.80 of verify. Signing
# alone is measured too: for large grams it costs more than verifying and bounds the sender;
# the line "signed … bound" shows the most the CPU allows (one signing thread, and signing
# plus verifying on the machine's cores) as a share of verification.
# Each rate printed is the median of five repetitions, run interleaved at random.
# --sure: acknowledged delivery of 1 MiB memos over udp instead (tests/bench/memo_sure_bench),
# at 0% and 5% loss of grams and of acks (dropped inside the sender, seeded), as a ratio to
# raw udp in the same run, with the retransmission overhead. Goal: ≥ 0.50 of raw at 5% loss.
set -euo pipefail
bench=${WIREKIT_BUILD:-build}/bench/memo_transport_bench
sure=0
args=()
for a in "$@"; do
  if [ "$a" = --sure ]; then sure=1; else args+=("$a"); fi
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ $sure = 1 ]; then
  "${WIREKIT_BUILD:-build}/bench/memo_sure_bench" --benchmark_out="$out" \
    --benchmark_out_format=json "${args[@]}" >&2
  python3 - "$out" <<'PY'
import json, sys
runs = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
mib = lambda n: runs.get(n, {}).get("bytes_per_second", 0) / 2**20
raw = mib("BM_raw_udp/real_time")
print(f"raw udp, 1240-byte datagrams: {raw:8.1f} MiB/s")
for name, what in (("loss0", "sure, 0% loss"), ("loss5", "sure, 5% loss")):
    b = runs.get(f"BM_sure/{name}/real_time", {})
    rate = mib(f"BM_sure/{name}/real_time")
    ratio = rate / raw if raw else 0
    print(f"{what:29s} {rate:8.1f} MiB/s  vs raw {ratio:.2f}  retransmitted {100 * b.get('retx', 0):5.1f}%"
          f"  per memo: timeouts {b.get('timeouts', 0):.2f}, fast {b.get('fast', 0):.1f}"
          f", probes {b.get('probes', 0):.2f}, acks {b.get('acks', 0):.0f}")
PY
  exit 0
fi
# Loopback throughput on this machine swings by 3x from one second to the next; five
# repetitions of every benchmark, run in random order, and their medians keep a baseline
# and the memo rate it divides measured under the same conditions.
"$bench" --benchmark_filter=-BM_sure --benchmark_repetitions=5 \
  --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=json "${args[@]}" >&2
python3 - "$out" <<'PY'
import json, os, sys
runs = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
        continue
    runs[b.get("run_name", b["name"])] = b
mib = lambda n: runs.get(n, {}).get("bytes_per_second", 0) / 2**20
raw = {"udp": mib("BM_raw/udp/real_time"), "uxd": mib("BM_raw/uxd/real_time")}
verify = {k: mib(f"BM_verify/{k}/real_time") for k in ("udp", "uxd")}
print(f"raw udp, 1240-byte datagrams:     {raw['udp']:8.0f} MiB/s")
print(f"raw uxd, 65535-byte datagrams:    {raw['uxd']:8.0f} MiB/s")
sign = {k: mib(f"BM_sign/{k}/real_time") for k in ("udp", "uxd")}
for kind, size in (("udp", 1240), ("uxd", 65535)):
    print(f"Ed25519 alone, {size:5d}-byte grams: verify {verify[kind]:6.0f} MiB/s, sign {sign[kind]:6.0f} MiB/s of memo")
cores = len(os.sched_getaffinity(0))
for kind in ("udp", "uxd"):
    if sign[kind] and verify[kind]:
        # What the CPU allows signed memos at most, before any I/O: memo-send signs on one
        # thread, and on this machine's cores signing and verifying share the time.
        shared = cores / (1 / sign[kind] + 1 / verify[kind])
        bound = min(sign[kind], verify[kind], shared)
        print(f"signed {kind} bound: {bound:6.0f} MiB/s = {bound / verify[kind]:.2f} of verify "
              f"(signing on one core {sign[kind] / verify[kind]:.2f}; sign + verify on "
              f"{cores} cores {shared / verify[kind]:.2f})")
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
