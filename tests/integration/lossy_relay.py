#!/usr/bin/env python3
"""A lossy UDP relay for tests: datagrams to its port go on to --target, answers from the
target come back to whoever sent last. Each datagram, in both directions, is lost with
probability --loss, duplicated with --dup, delayed uniformly by up to --delay ms, and with
probability --reorder held back --delay ms more (so it overtakes nothing and is overtaken).
The random choices come from --seed. Prints "relay on udp://127.0.0.1:PORT" when ready and,
on SIGTERM/SIGINT, one line of counts on stderr."""
import argparse
import heapq
import random
import selectors
import signal
import socket
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--target", required=True, help="HOST:PORT")
p.add_argument("--loss", type=float, default=0.0)
p.add_argument("--dup", type=float, default=0.0)
p.add_argument("--reorder", type=float, default=0.0)
p.add_argument("--delay", type=float, default=0.0, help="milliseconds")
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
host, port = a.target.rsplit(":", 1)
target = (host, int(port))
rng = random.Random(a.seed)

def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.setblocking(False)
    return s

front = udp()  # clients send here
front.bind(("127.0.0.1", 0))
back = udp()  # talks to the target
back.bind(("127.0.0.1", 0))
client = None
pending = []  # (due, order, socket, data, address)
order = 0
counts = {"in": 0, "lost": 0, "duplicated": 0, "reordered": 0, "out": 0, "unsent": 0}
running = True

def stop(*_):
    global running
    running = False

signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)

def schedule(sock, data, addr, now):
    global order
    counts["in"] += 1
    if rng.random() < a.loss:
        counts["lost"] += 1
        return
    copies = 1
    if rng.random() < a.dup:
        copies = 2
        counts["duplicated"] += 1
    for _ in range(copies):
        delay = rng.uniform(0, a.delay) / 1000
        if rng.random() < a.reorder:
            delay += a.delay / 1000
            counts["reordered"] += 1
        order += 1
        heapq.heappush(pending, (now + delay, order, sock, data, addr))

sel = selectors.DefaultSelector()
sel.register(front, selectors.EVENT_READ)
sel.register(back, selectors.EVENT_READ)
print(f"relay on udp://127.0.0.1:{front.getsockname()[1]}", flush=True)
while running:
    now = time.monotonic()
    while pending and pending[0][0] <= now:
        _, _, sock, data, addr = heapq.heappop(pending)
        try:
            sock.sendto(data, addr)
            counts["out"] += 1
        except OSError:
            counts["unsent"] += 1
    timeout = max(0.0, pending[0][0] - now) if pending else 0.2
    try:
        events = sel.select(timeout)
    except InterruptedError:
        continue
    now = time.monotonic()
    for key, _ in events:
        for _ in range(256):
            try:
                data, addr = key.fileobj.recvfrom(65536)
            except (BlockingIOError, ConnectionRefusedError):
                break
            if key.fileobj is front:
                client = addr
                schedule(back, data, target, now)
            elif client is not None:
                schedule(front, data, client, now)
print("relay: " + " ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr, flush=True)
