// The HTTP ceiling of kvnode's transport: Pistache, set up as kvnode sets it up, answering a
// fixed 16-byte body from the reactor thread. Built and run by bench/run.sh, never by the tests.
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <string_view>

namespace {

using Pistache::Http::ConnectionControl;
namespace Header = Pistache::Http::Header;

class hello_handler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(hello_handler)

  // Without the explicit keep-alive header Pistache answers "Connection: Close" to HTTP/1.1
  // requests that carry no Connection header, and wrk would reconnect for every request
  // (kvnode's exchange does the same).
  void onRequest(const Pistache::Http::Request&, Pistache::Http::ResponseWriter writer) override {
    writer.headers().remove<Header::Connection>();
    writer.headers().add<Header::Connection>(ConnectionControl::KeepAlive);
    writer.send(Pistache::Http::Code::Ok, "0123456789abcdef", 16, MIME(Application, OctetStream));
  }
};

bool parse_number(std::string_view text, unsigned& number) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  return error == std::errc{} && end == text.data() + text.size() && number > 0;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned port = 0;
  unsigned threads = 2;
  if (argc < 2 || argc > 3 || !parse_number(argv[1], port) || port > 65535 ||
      (argc == 3 && !parse_number(argv[2], threads))) {
    std::fprintf(stderr, "usage: %s PORT [THREADS]\n", argv[0]);
    return 2;
  }

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Pistache::Http::Endpoint endpoint(
      Pistache::Address("127.0.0.1", Pistache::Port(static_cast<std::uint16_t>(port))));
  endpoint.init(Pistache::Http::Endpoint::options()
                    .threads(static_cast<int>(threads))
                    .flags(Pistache::Tcp::Options::ReuseAddr | Pistache::Tcp::Options::NoDelay));
  endpoint.setHandler(Pistache::Http::make_handler<hello_handler>());
  endpoint.serveThreaded();

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  endpoint.shutdown();
  return 0;
}
