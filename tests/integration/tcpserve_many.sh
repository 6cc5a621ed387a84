#!/usr/bin/env bash
# 1000 concurrent connections through one tcpserve, each echoing its own 1000 bytes, plain
# and through an exec handler.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/tcpserve_lib.bash"
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -Sn)" = unlimited ] || [ "$(ulimit -Sn)" -ge 2100 ] || {
  echo "skip: needs 2100 descriptors, have $(ulimit -Sn)"
  exit 0
}

start_server many --listen tcp://127.0.0.1:0 --echo --backlog 1024 --max-conns 2000
expect_eq "1000 concurrent echo connections" \
  "$("${CLIENT[@]}" many "tcp:127.0.0.1:$(port_of many)" 1000)" "ok 1000"
stop_server "$SERVER_PID"
expect_eq "stops cleanly after 1000 connections" "$STOP_STATUS" 3

start_server manyexec --listen tcp://127.0.0.1:0 --backlog 1024 --max-conns 2000 -- cat
expect_eq "1000 concurrent connections with a handler each" \
  "$("${CLIENT[@]}" many "tcp:127.0.0.1:$(port_of manyexec)" 1000)" "ok 1000"
stop_server "$SERVER_PID"
