// Raw HTTP/1.1 chunked transfer encoding over Pistache's thread-safe Peer::send.
#include "transports/http/chunked_stream.hpp"

#include <fmt/format.h>
#include <pistache/http.h>
#include <pistache/peer.h>

namespace kv::http {

chunked_stream::chunked_stream(exchange_ptr ex, int status, std::string_view content_type)
    : ex_(std::move(ex)), peer_(ex_->writer().peer()) {
  ex_->set_status(status);
  const auto code = static_cast<Pistache::Http::Code>(status);
  send_raw(fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\n"
                       "Connection: {}\r\n\r\n",
                       status, Pistache::Http::codeString(code), content_type,
                       ex_->keep_alive() ? "keep-alive" : "close"),
           {});
}

void chunked_stream::write(std::string_view data, std::function<void()> written) {
  if (data.empty()) {  // an empty chunk would end the response
    if (written) written();
    return;
  }
  std::string chunk = fmt::format("{:x}\r\n", data.size());
  chunk.reserve(chunk.size() + data.size() + 2);
  chunk.append(data).append("\r\n");
  // Not for the head or the last chunk: once the response is complete, the parser may already
  // hold the client's next request.
  send_raw(std::move(chunk), [peer = peer_, written = std::move(written)] {
    keep_connection_active(peer);
    if (written) written();
  });
}

void chunked_stream::finish() {
  send_raw("0\r\n\r\n", {});
  ex_.reset();
}

void chunked_stream::send_raw(std::string bytes, std::function<void()> written) {
  const auto peer = peer_.lock();
  if (!peer) return;
  const std::size_t size = bytes.size();
  peer->send(Pistache::RawBuffer(std::move(bytes), size))
      .then(
          [written = std::move(written)](ssize_t) {
            if (written) written();
          },
          [](const std::exception_ptr&) {});  // the client went away; the producer stops with it
}

// Pistache closes a connection whose request parser has been waiting for a request line
// longer than the header or keep-alive timeout, and while we stream, the parser waits: so a
// watch or a long listing was cut after 60 s, whatever it was writing. Restarting the
// parser's clock after each chunk makes the timeout count from the stream's last write. It
// runs where Pistache completes the write: on the connection's reactor thread, the only one
// that touches its parser.
void chunked_stream::keep_connection_active(const std::weak_ptr<Pistache::Tcp::Peer>& peer) {
  if (const auto alive = peer.lock()) Pistache::Http::Handler::getParser(alive)->reset();
}

}  // namespace kv::http
