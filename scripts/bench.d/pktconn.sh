# pktconn: pipelined small-request rate and 64 KiB payload throughput over exec: pipes, each
# next to cat through the same kind of pipes in the same run.
#   scripts/bench pktconn [REQUESTS] [BIG_REQUESTS] [ROUNDS]
# Both ends are pktconn (call --connect exec:'pktconn serve --echo'); answers are compared
# with the input. The baseline is file | cat | cat | cat > file: the same two pipes between
# three processes, the same bytes in and out. Rounds alternate pktconn and cat so load from
# other work falls on both; each round prints wall-clock rates and the CPU time (user+sys of
# every process involved), then the medians. On a shared 2-core VM a round of either tool
# now and then takes two to three times its usual CPU, so the default is 9 rounds: the median
# then rests on the undisturbed ones. The last line shows how much of the gap is starting
# processes (two pktconn in turn against three cats at once) rather than moving bytes.
# PIPE_SIZE=BYTES enlarges every pipe of both (pktconn --pipe-size; F_SETPIPE_SZ for cat's);
# default: as the kernel makes them.
set -euo pipefail
requests=${1:-200000}
big=${2:-2000}
rounds=${3:-9}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$requests" "$big" "$rounds" "${PIPE_SIZE:-0}" <<'PY'
import ctypes, fcntl, filecmp, os, random, resource, statistics, string, subprocess, sys, time

work, requests, big, rounds, pipe_size = sys.argv[1], *map(int, sys.argv[2:])
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
# pktconn call does not wait for its exec: child to be reaped before it exits: as a child
# subreaper this script inherits it and reaps it, so its CPU time is counted too.
PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

def reap_orphans():
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return

def measure(run):
    # The last run's output goes first, outside the clock: truncating 131 MB of page cache
    # takes tens of ms, which would fall on whichever tool runs next.
    if os.path.exists(out):
        os.unlink(out)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    run()
    wall = time.perf_counter() - t0
    reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu

def pktconn(inp, out, window, extra):
    ps = ["--pipe-size", str(pipe_size)] if pipe_size else []
    serve = " ".join(["pktconn", "serve", "--echo", *extra, *ps])
    cmd = ["pktconn", "call", "--window", str(window), "--connect", "exec:" + serve, *ps]
    def run():
        with open(inp, "rb") as i, open(out, "wb") as o:
            subprocess.run(cmd, stdin=i, stdout=o, check=True)
    wall, cpu = measure(run)
    if not filecmp.cmp(inp, out, shallow=False):
        sys.exit("bench: pktconn answers differ from the requests")
    return wall, cpu

def cats(inp, out):
    def run():
        procs = []
        with open(inp, "rb") as i, open(out, "wb") as o:
            r1, w1 = os.pipe()
            r2, w2 = os.pipe()
            if pipe_size:
                for fd in (w1, w2):
                    fcntl.fcntl(fd, F_SETPIPE_SZ, pipe_size)
            for stdin, stdout in ((i.fileno(), w1), (r1, w2), (r2, o.fileno())):
                procs.append(subprocess.Popen(["cat"], stdin=stdin, stdout=stdout))
            for fd in (r1, w1, r2, w2):
                os.close(fd)
            for p in procs:
                if p.wait() != 0:
                    sys.exit("bench: cat failed")
    wall, cpu = measure(run)
    if not filecmp.cmp(inp, out, shallow=False):
        sys.exit("bench: cat changed the bytes")
    return wall, cpu

small = os.path.join(work, "small")
with open(small, "w") as f:
    f.writelines(f"{n:08d}\n" for n in range(1, requests + 1))
bigf = os.path.join(work, "big")
rng = random.Random(7)
blob = "".join(rng.choice(string.ascii_letters) for _ in range(65536))
with open(bigf, "w") as f:
    for _ in range(big):
        f.write(blob + "\n")
out = os.path.join(work, "out")
print(f"pipes: {'%d bytes' % pipe_size if pipe_size else 'kernel default'}; {rounds} rounds")

# Small requests: 8-byte payloads, window 4096 (each round: pktconn, then cat).
rates, cat_rates = [], []
for r in range(rounds):
    w, c = pktconn(small, out, 4096, ["--max-inflight", "4096"])
    cw, cc = cats(small, out)
    rates.append(requests / w)
    cat_rates.append(requests / cw)
    print(f"small round {r + 1}: pktconn {requests / w:,.0f} requests/s "
          f"({1e6 * c / requests:.2f} us CPU per request); cat {requests / cw:,.0f} lines/s")
print(f"small requests: pktconn median {statistics.median(rates):,.0f} requests/s "
      f"(cat median {statistics.median(cat_rates):,.0f} lines/s)")

# 64 KiB payloads: window 64. Each round also times one short line through each, which is
# what starting and stopping the processes costs: the last line subtracts it.
one = os.path.join(work, "one")
with open(one, "w") as f:
    f.write("x\n")
nbytes = 65537 * big
ratios, cpu_ratios, mbs, walls, cat_walls, fixed, cat_fixed = [], [], [], [], [], [], []
for r in range(rounds):
    w, c = pktconn(bigf, out, 64, [])
    cw, cc = cats(bigf, out)
    fixed.append(pktconn(one, out, 64, [])[0])
    cat_fixed.append(cats(one, out)[0])
    walls.append(w)
    cat_walls.append(cw)
    ratios.append(cw / w)
    cpu_ratios.append(cc / c)
    mbs.append(nbytes / w / 1e6)
    print(f"64 KiB round {r + 1}: pktconn {nbytes / w / 1e6:,.1f} MB/s, cat {nbytes / cw / 1e6:,.1f} MB/s: "
          f"{100 * cw / w:.0f}% of cat; CPU pktconn {c:.2f} s, cat {cc:.2f} s: {100 * cc / c:.0f}%")
print(f"64 KiB payloads: pktconn median {statistics.median(mbs):,.1f} MB/s, "
      f"median {100 * statistics.median(ratios):.0f}% of cat's throughput "
      f"(CPU time: cat's is {100 * statistics.median(cpu_ratios):.0f}% of pktconn's)")
med = statistics.median
print(f"start and stop (one line through each): pktconn {1e3 * med(fixed):.1f} ms, "
      f"cat {1e3 * med(cat_fixed):.1f} ms; without them pktconn moves the 64 KiB payloads at "
      f"about {100 * (med(cat_walls) - med(cat_fixed)) / (med(walls) - med(fixed)):.0f}% of cat's "
      f"rate (an estimate: medians of separate runs, subtracted)")
PY
