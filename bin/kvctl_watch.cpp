// kvctl watch: one line per change of the feed until interrupted, over ZeroMQ (the default: the
// feed the node advertises, or --feed) or server-sent events (--sse, or when ZeroMQ cannot reach
// the node), with every loss the transport can see reported on stderr.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include "bin/kvctl_commands.hpp"
#include "bin/kvctl_interrupt.hpp"
#include "client/event_line.hpp"
#include "client/feed_discovery.hpp"
#include "client/feed_subscriber.hpp"
#include "client/kv_client.hpp"
#include "client/seq_gaps.hpp"
#include "client/sse_watch.hpp"
#include "client/watch_event.hpp"

namespace kvctl {
namespace {

using namespace kv::client;

// Lines on stdout and warnings on stderr, each written whole and flushed at once (so that
// `kvctl watch | ...` sees every change as it happens), under the lock an interrupt waits for.
class watch_output {
 public:
  std::timed_mutex& lock() { return mutex_; }

  void line(const std::string& text) {
    std::lock_guard guard(mutex_);
    std::cout << text << '\n';
    std::cout.flush();
    if (!std::cout) throw std::runtime_error("cannot write to stdout");
  }

  void warning(const std::string& text) {
    std::lock_guard guard(mutex_);
    std::cerr << text << '\n';
  }

 private:
  std::timed_mutex mutex_;
};

// --json: the event exactly as the node sent it.
void print_event(watch_output& out, const invocation& args, const std::string& event_json,
                 const watch_event& event) {
  out.line(args.json ? event_json : event_line(event));
}

std::string seconds_text(double seconds) {
  std::ostringstream text;
  text << seconds;
  return text.str();
}

// Each partition numbers all its events, so under a prefix subscription seq also jumps over
// the other keys of the partition: only the whole feed tells a loss from a filtered event.
[[noreturn]] void follow_feed(feed_subscriber& feed, const invocation& args, watch_output& out) {
  std::optional<seq_gap_tracker> gaps;
  if (args.prefix.empty()) gaps.emplace();
  for (;;) {
    const feed_message message = feed.next();
    const watch_event event = parse_watch_event(message.event_json);
    if (gaps) {
      if (const auto gap = gaps->observe(event.partition, event.seq)) out.warning(describe(*gap));
    }
    print_event(out, args, message.event_json, event);
  }
}

// --feed: the user named the endpoint, so it is waited for however long it takes.
[[noreturn]] void watch_given_feed(const invocation& args, watch_output& out) {
  feed_subscriber feed(args.feed, args.prefix);
  // ZeroMQ never reports a node that is not there; it retries in silence. Silence from a
  // watch is normal, so the user is told when the connection itself has not come.
  if (!feed.wait_for_connection(timeout_of(args))) {
    out.warning("WARNING: no connection to the change feed at " + args.feed + " after " +
                seconds_text(args.timeout_seconds) + " s; still trying");
  }
  follow_feed(feed, args, out);
}

// A reachable node answers a handshake within milliseconds; longer means its advertised
// endpoint cannot be reached from here (a firewall, another network's address).
constexpr std::chrono::milliseconds advertised_feed_wait{2000};

// The feed the node at --url advertises, connected; or nothing, said on stderr, when the watch
// should go over HTTP instead.
std::unique_ptr<feed_subscriber> advertised_feed_of_node(const invocation& args,
                                                         watch_output& out) {
  const endpoint node = node_of(args);
  kv_client client(node, timeout_of(args));
  const std::optional<std::string> advertised = advertised_feed(client.info(), node.host);
  if (!advertised) {
    out.warning("WARNING: " + args.url +
                " advertises no ZeroMQ change feed; watching over HTTP (--sse) instead");
    return nullptr;
  }
  std::unique_ptr<feed_subscriber> feed;
  try {
    feed = std::make_unique<feed_subscriber>(*advertised, args.prefix);
  } catch (const std::invalid_argument& error) {
    out.warning(std::string("WARNING: ") + error.what() + "; watching over HTTP (--sse) instead");
    return nullptr;
  }
  const auto wait = std::min(advertised_feed_wait, timeout_of(args));
  if (!feed->wait_for_connection(wait)) {
    out.warning("WARNING: no connection to the change feed " + args.url + " advertises (" +
                *advertised + ") within " + seconds_text(wait.count() / 1000.0) +
                " s; watching over HTTP (--sse) instead");
    return nullptr;
  }
  return feed;
}

std::string reset_warning(std::uint64_t rev, std::uint64_t oldest_rev) {
  return "WARNING: reset: the node no longer retains the events to resume from (its oldest is "
         "rev " +
         std::to_string(oldest_rev) + "), so changes up to rev " + std::to_string(rev) +
         " were missed; the watch goes on after rev " + std::to_string(rev) +
         ": re-read the keys to catch up";
}

std::string reconnect_warning(const std::string& reason,
                              const std::optional<std::string>& resume_after) {
  const std::string resume =
      resume_after ? "reconnecting to resume after rev " + *resume_after
                   : "reconnecting; no event came yet to resume after, so changes made "
                     "meanwhile are missed";
  return "WARNING: lost the watch stream (" + reason + "); " + resume;
}

[[noreturn]] void watch_sse(const invocation& args, watch_output& out) {
  sse_watch_options options;
  options.prefix = args.prefix;
  options.since_rev = args.since_rev;
  options.connect_timeout = timeout_of(args);
  options.reconnect_for = timeout_of(args);
  sse_watch_handlers handlers;
  handlers.on_event = [&](const std::string& event_json) {
    print_event(out, args, event_json, parse_watch_event(event_json));
  };
  handlers.on_reset = [&](std::uint64_t rev, std::uint64_t oldest_rev) {
    out.warning(reset_warning(rev, oldest_rev));
  };
  handlers.on_reconnect = [&](const std::string& reason,
                              const std::optional<std::string>& resume_after) {
    out.warning(reconnect_warning(reason, resume_after));
  };
  watch_over_sse(node_of(args), options, handlers);
}

}  // namespace

int watch_command(const invocation& args) {
  watch_output out;
  exit_on_interrupt(out.lock());
  try {
    if (args.sse) watch_sse(args, out);
    if (!args.feed.empty()) watch_given_feed(args, out);
    if (auto feed = advertised_feed_of_node(args, out)) follow_feed(*feed, args, out);
    watch_sse(args, out);
  } catch (const unreachable_error& error) {
    out.warning("ERROR: cannot reach " + args.url + ": " + error.what());
  } catch (const std::exception& error) {
    out.warning(std::string("ERROR: ") + error.what());
  }
  return exit_failed;
}

}  // namespace kvctl
