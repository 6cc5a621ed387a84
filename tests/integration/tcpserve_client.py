#!/usr/bin/env python3
"""A bounded test client for tcpserve's integration tests (plain TCP and unix sockets).

ADDR is tcp:HOST:PORT or unix:PATH. Every wait has a deadline; exit 1 on a timeout.
  echo ADDR TEXT      send TEXT, half-close, print everything received until EOF
  limit ADDR N        hold N live connections (each echoes a byte), then check that
                      connection N+1 is closed at once without an echo; prints "refused"
  idle ADDR           connect, send nothing, print "closed" once the server closes
  grace ADDR TEXT     send TEXT, read its echo, print "ready", then print what else comes
  many ADDR N         N concurrent connections, each echoing its own 1000 bytes; prints "ok N"
"""
import selectors
import socket
import sys
import time

DEADLINE = 20.0


def connect(addr):
    kind, _, rest = addr.partition(":")
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(rest)
        return s
    host, _, port = rest.rpartition(":")
    host = host.strip("[]")
    s = socket.create_connection((host, int(port)), timeout=DEADLINE)
    return s


def read_until_eof(s, limit=DEADLINE):
    s.settimeout(limit)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:  # a refused connection: what came before is the answer
            return data
        if not chunk:
            return data
        data += chunk


def read_exactly(s, n):
    s.settimeout(DEADLINE)
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def main(argv):
    cmd, addr = argv[1], argv[2]
    if cmd == "echo":
        s = connect(addr)
        s.sendall(argv[3].encode())
        s.shutdown(socket.SHUT_WR)
        sys.stdout.write(read_until_eof(s).decode(errors="replace"))
    elif cmd == "limit":
        n = int(argv[3])
        held = []
        for _ in range(n):
            s = connect(addr)
            s.sendall(b"x")
            read_exactly(s, 1)
            held.append(s)
        extra = connect(addr)
        try:
            extra.sendall(b"y")
        except OSError:
            pass
        try:
            got = read_until_eof(extra, 5.0)
        except ConnectionResetError:
            got = b""
        print("refused" if got == b"" else "served %r" % got)
    elif cmd == "idle":
        s = connect(addr)
        start = time.monotonic()
        read_until_eof(s)
        print("closed after %.1f s" % (time.monotonic() - start))
    elif cmd == "grace":
        s = connect(addr)
        text = argv[3].encode()
        s.sendall(text)
        read_exactly(s, len(text))
        print("ready", flush=True)
        sys.stdout.write(read_until_eof(s).decode(errors="replace"))
    elif cmd == "many":
        n = int(argv[3])
        sel = selectors.DefaultSelector()
        pending = {}
        for i in range(n):
            s = connect(addr)
            s.setblocking(False)
            payload = (("%06d" % i) * 200)[:1000].encode()
            pending[s] = [payload, 0, b""]
            sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        ok = 0
        end = time.monotonic() + DEADLINE
        while pending and time.monotonic() < end:
            for key, events in sel.select(timeout=1.0):
                s = key.fileobj
                state = pending[s]
                if events & selectors.EVENT_WRITE and state[1] < len(state[0]):
                    state[1] += s.send(state[0][state[1]:])
                    if state[1] == len(state[0]):
                        s.shutdown(socket.SHUT_WR)
                        sel.modify(s, selectors.EVENT_READ)
                if events & selectors.EVENT_READ:
                    chunk = s.recv(65536)
                    if chunk:
                        state[2] += chunk
                    else:
                        sel.unregister(s)
                        s.close()
                        if state[2] == state[0]:
                            ok += 1
                        del pending[s]
        print("ok %d" % ok)
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
