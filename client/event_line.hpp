// The human-readable line of one change-feed event: `PUT KEY VALUE` or `DELETE KEY`, with bytes
// escaped so that any key or value, binary or multi-line, stays on one unambiguous line.
#pragma once

#include <string>
#include <string_view>

#include "client/watch_event.hpp"

namespace kv::client {

// `bytes` with '\\' as "\\\\", tab, newline and carriage return as "\\t", "\\n", "\\r", every
// other control character (C0, DEL, C1) and every byte that is not part of valid UTF-8 as
// "\\xNN"; with `escape_space` a space as "\\x20". Other UTF-8 text stays as it is.
std::string escape_for_line(std::string_view bytes, bool escape_space);

// "PUT KEY VALUE" or "DELETE KEY", no newline. The key has its spaces escaped too, so the
// value is everything after the second space.
std::string event_line(const watch_event& event);

}  // namespace kv::client
