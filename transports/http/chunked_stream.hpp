// A response of unknown length written from any thread as it is produced: chunked for HTTP/1.1,
// delimited by closing the connection for HTTP/1.0. Long listings and the watch stream use it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "transports/http/exchange.hpp"

namespace kv::http {

class chunked_stream {
 public:
  // Writes the status line and headers at once; the stream owns the exchange until finished.
  chunked_stream(exchange_ptr ex, int status, std::string_view content_type);

  // Sends one chunk. `written` runs once the client has taken it, which is how a producer
  // keeps pace with a slow client; it never runs when the client has gone away.
  void write(std::string_view data, std::function<void()> written = {});
  // Ends the response and releases the exchange.
  void finish();
  // False once the client has closed the connection.
  bool connected() const { return conn_->open(); }
  // Cuts the connection, dropping what the client has not read.
  void disconnect() { conn_->abort(); }

 private:
  exchange_ptr ex_;
  connection_ptr conn_;
  bool chunked_;
};

}  // namespace kv::http
