// A chunked HTTP response written straight to the connection, from any thread. Pistache's own
// ResponseStream aborts the process when flushed off the reactor thread (pistache#1006), so
// long answers (and later the watch stream) write raw chunks through the peer instead.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "transports/http/exchange.hpp"

namespace kv::http {

class chunked_stream {
 public:
  // Writes the status line and headers at once; the stream owns the exchange until finished.
  chunked_stream(exchange_ptr ex, int status, std::string_view content_type);

  // Sends one chunk. `written` runs once the connection has taken it, which is how a producer
  // keeps pace with a slow client; it never runs when the client has gone away.
  void write(std::string_view data, std::function<void()> written = {});
  // Ends the response with the last chunk and releases the exchange.
  void finish();
  // False once the client has closed the connection.
  bool connected() const { return !peer_.expired(); }

 private:
  void send_raw(std::string bytes, std::function<void()> written);
  static void keep_connection_active(const std::weak_ptr<Pistache::Tcp::Peer>& peer);

  exchange_ptr ex_;
  std::weak_ptr<Pistache::Tcp::Peer> peer_;
};

}  // namespace kv::http
