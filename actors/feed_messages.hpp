// The messages of the change feed between partitions, the broker, watchers and publishers.
// Local-only, like messages.hpp: events travel as shared pointers to one immutable JSON text.
#pragma once

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "actors/feed_api.hpp"
#include "core/feed_event.hpp"

namespace kv {

// partition -> broker: applied_change (core/feed_event.hpp), one per applied write or delete;
// or, for the writes of one batch of calls, all of them in one message, in apply order.
struct applied_changes {
  std::vector<applied_change> changes;
};

// broker -> watchers: one event, in rev order.
struct live_event {
  feed_event_ptr event;
};

// broker -> publishers: the events published since the last such message, in rev order. One
// message for as many events as the broker's mailbox held, so that a publisher's thread is
// woken once for them and not once an event.
struct live_events {
  std::vector<feed_event_ptr> events;
};

// broker -> a resuming watcher: retained events after its rev, one page at a time. While it
// catches up it gets no live events; after the `complete` page it gets them all.
struct replay_page {
  std::vector<feed_event_ptr> events;
  bool complete = false;
};
// watcher -> broker, once the previous page is written.
using next_page_atom = caf::atom_constant<caf::atom("next_page")>;

// broker -> a new watcher that did not ask to resume: it gets every event after `rev`; see
// watch_output::send_position.
struct watch_start {
  std::uint64_t rev = 0;
};

// broker -> a resuming watcher: the events it asked for are gone; see watch_output::send_reset.
struct resume_reset {
  std::uint64_t rev = 0;
  std::uint64_t oldest_rev = 0;
};

// broker -> a watcher whose client does not keep up: too much sent to it is not written yet, or
// its replay fell out of the history while it was written.
using too_slow_atom = caf::atom_constant<caf::atom("too_slow")>;

// feed_api -> broker
struct open_watch {
  watch_request request;
  std::shared_ptr<watch_output> output;
};
struct publisher_joined {
  caf::actor publisher;
};

// store_runtime -> broker, once at start with a uint64: the rev the node's feed reached before
// its restart, which the next event follows.
using start_rev_atom = caf::atom_constant<caf::atom("start_rev")>;

// The client's connection took the last write (sent to the watcher from an HTTP thread).
using written_atom = caf::atom_constant<caf::atom("written")>;

}  // namespace kv

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::applied_change)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::applied_changes)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::live_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::live_events)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::replay_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::resume_reset)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::watch_start)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::open_watch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kv::publisher_joined)
