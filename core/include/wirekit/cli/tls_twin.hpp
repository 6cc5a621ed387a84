// pktconn and moatcmd speak TLS only for tls:// endpoints, so the copies on PATH are built
// without OpenSSL: loading libssl and libcrypto costs every start about 2.5 ms, more than the
// rest of a tool's start. Each has a twin built with TLS in LIBEXECDIR/wirekit (build tree:
// libexec/wirekit beside bin). A run that names a tls:// endpoint is handed to the twin
// before it has read or opened anything: the same arguments, environment and descriptors.
#pragma once

#include "wirekit/net/endpoint.hpp"

namespace wirekit::cli {

// If where is tls:// and this program has no TLS, replaces the process with its twin (does
// not return), or throws failure naming the twin that cannot be run. Otherwise returns.
void need_tls_for(const net::endpoint& where);

}  // namespace wirekit::cli
