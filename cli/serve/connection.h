// Socket-level fixes cpp-httplib 0.11 (Debian 12) does not offer: the listening socket's
// options and backlog, and telling whether a client went away while its non-streamed
// request is still generating (the handler never sees the socket, so it is found by its
// addresses).
#pragma once

#include <httplib.h>

#include <memory>

namespace vllmctl {

// Socket options for a listening socket: SO_REUSEADDR (restart without waiting out
// TIME_WAIT) but not httplib's default SO_REUSEPORT, which would let a second server
// silently share the port. Stores the socket in *listen_fd for widen_backlog().
httplib::SocketOptions listen_socket_options(std::shared_ptr<int> listen_fd);

// httplib listens with a backlog of 5: a burst of clients overflows it and waits out
// SYN retries for seconds. Re-listening on Linux raises the backlog in place.
void widen_backlog(int listen_fd, int backlog = 2048);

// The open socket whose local and remote addresses are the request's; -1 if none.
int find_connection_fd(const httplib::Request& req);

// True when the peer of `fd` has closed or reset the connection (without consuming any
// data it may have sent).
bool peer_closed(int fd);

}  // namespace vllmctl
