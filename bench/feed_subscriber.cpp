// Counts change-feed events and the seq gaps among them, from a ZeroMQ SUB socket or from a
// watch stream's text on stdin (curl -N piped in). Run by bench/feed.sh, never by the tests.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

// Events seen, and the events a subscriber can tell it missed: a jump in a partition's seq.
// A partition's first event sets its starting point, since events before joining are not owed.
class feed_tally {
 public:
  void count(std::string_view event_json) {
    const auto event = nlohmann::json::parse(event_json, nullptr, false);
    if (event.is_discarded() || !event.contains("partition") || !event.contains("seq")) {
      ++malformed_;
      return;
    }
    const auto now = clock_type::now();
    if (events_ == 0) first_ = now;
    last_ = now;
    ++events_;
    const auto seq = event["seq"].get<std::uint64_t>();
    auto [last_seq, first_of_partition] =
        last_seq_.try_emplace(event["partition"].get<std::uint64_t>(), seq);
    if (!first_of_partition && seq > last_seq->second + 1) gaps_ += seq - last_seq->second - 1;
    last_seq->second = seq;
  }

  void print() const {
    const double seconds = std::chrono::duration<double>(last_ - first_).count();
    std::printf("events %llu seconds %.2f events_per_second %.0f seq_gaps %llu malformed %llu\n",
                static_cast<unsigned long long>(events_), seconds,
                seconds > 0 ? static_cast<double>(events_) / seconds : 0.0,
                static_cast<unsigned long long>(gaps_),
                static_cast<unsigned long long>(malformed_));
  }

 private:
  std::uint64_t events_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t malformed_ = 0;
  clock_type::time_point first_;
  clock_type::time_point last_;
  std::map<std::uint64_t, std::uint64_t> last_seq_;
};

void count_zmq(const std::string& endpoint, std::chrono::seconds duration, feed_tally& tally) {
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::sub);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvtimeo, 100);
  socket.set(zmq::sockopt::subscribe, "");
  socket.connect(endpoint);
  const auto stop = clock_type::now() + duration;
  std::vector<zmq::message_t> frames;
  while (clock_type::now() < stop) {
    frames.clear();
    if (!zmq::recv_multipart(socket, std::back_inserter(frames))) continue;  // timed out
    if (frames.size() == 2) tally.count(frames[1].to_string_view());
  }
}

// Server-sent events: each event's JSON is on a "data: " line.
void count_sse(std::istream& in, feed_tally& tally) {
  constexpr std::string_view data_prefix = "data: ";
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(data_prefix))
      tally.count(std::string_view(line).substr(data_prefix.size()));
  }
}

bool parse_seconds(const char* text, std::chrono::seconds& duration) {
  char* end = nullptr;
  const long seconds = std::strtol(text, &end, 10);
  if (*end != '\0' || seconds <= 0) return false;
  duration = std::chrono::seconds(seconds);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  std::chrono::seconds duration{};
  feed_tally tally;
  if (mode == "zmq" && argc == 4 && parse_seconds(argv[3], duration)) {
    count_zmq(argv[2], duration, tally);
  } else if (mode == "sse" && argc == 2) {
    count_sse(std::cin, tally);
  } else {
    std::fprintf(stderr,
                 "usage: %s zmq ENDPOINT SECONDS   count events from a ZeroMQ PUB socket\n"
                 "       %s sse                    count the events of a watch stream on stdin\n",
                 argv[0], argv[0]);
    return 2;
  }
  tally.print();
  return 0;
}
