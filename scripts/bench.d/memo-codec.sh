#!/usr/bin/env bash
# Memogram codec: rend and pick+fuse throughput of unsigned 1240-byte grams, and signed
# rend/receive as a ratio to libsodium's raw Ed25519 sign/verify rate in the same run.
set -euo pipefail
bench=${WIREKIT_BUILD:-build}/bench/memo_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bench" --benchmark_out="$out" --benchmark_out_format=json "$@" >&2
python3 - "$out" <<'PY'
import json, sys
runs = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
def rate(name, key="items_per_second"):
    return runs[name].get(key, 0.0)
print(f"rend unsigned 1240-byte grams:      {rate('BM_rend_unsigned') / 1e3:10.0f} kgrams/s "
      f"({rate('BM_rend_unsigned', 'bytes_per_second') / 2**20:.0f} MiB/s)")
print(f"pick+fuse unsigned 1240-byte grams: {rate('BM_pick_fuse_unsigned') / 1e3:10.0f} kgrams/s "
      f"({rate('BM_pick_fuse_unsigned', 'bytes_per_second') / 2**20:.0f} MiB/s)")
print(f"raw Ed25519 sign:   {rate('BM_raw_sign'):10.0f} /s   signed rend:    "
      f"{rate('BM_rend_signed'):10.0f} grams/s  ratio {runs['BM_rend_signed'].get('vs_raw_sign', 0):.2f}")
print(f"raw Ed25519 verify: {rate('BM_raw_verify'):10.0f} /s   signed receive: "
      f"{rate('BM_receive_signed'):10.0f} grams/s  ratio {runs['BM_receive_signed'].get('vs_raw_verify', 0):.2f}")
PY
