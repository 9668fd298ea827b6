// The packets of Engine.IO protocol 4 over HTTP long-polling and of Socket.IO protocol 5 inside
// them, as far as a server that only pushes events needs them: strict parsing of what clients
// send, and the few packets the server writes. Pure text, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kv::socketio {

// Engine.IO packet types, sent as one ASCII digit before the packet's data.
enum class eio_type : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6'
};

struct eio_packet {
  eio_type type;
  std::string_view data;  // a view into the parsed payload
};

// Polling payloads join packets with the record separator 0x1E, without lengths.
inline constexpr char record_separator = '\x1e';

// A POST body: its packets, or nothing when one is empty, of an unknown type or binary
// (a 'b' packet: this server offers no binary events).
std::optional<std::vector<eio_packet>> parse_eio_payload(std::string_view body);

// Adds `packet` (type digit and data) to a GET answer being built.
void append_to_payload(std::string& payload, std::string_view packet);

// The handshake: `0{"sid":..,"upgrades":[],"pingInterval":..,"pingTimeout":..}` (milliseconds).
std::string open_packet(std::string_view sid, std::int64_t ping_interval_ms,
                        std::int64_t ping_timeout_ms);

// Socket.IO packet types, the digit after Engine.IO's message type '4'.
enum class sio_type {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6
};

struct sio_packet {
  sio_type type = sio_type::connect;
  std::string nsp = "/";
  std::optional<std::uint64_t> ack_id;
  std::string data;  // JSON text, empty when the packet has none
};

// The data of an Engine.IO message: type, optional "/namespace,", optional ack id, then JSON
// that fits the type (an object or nothing for CONNECT, nothing for DISCONNECT, an array
// starting with the event name for EVENT, an array for ACK). Nothing for anything else,
// binary packets included.
std::optional<sio_packet> parse_sio_packet(std::string_view text);

// `40{"sid":"SID"}`: the namespace "/" accepted the client, which is `SID` in it.
std::string connect_ack_packet(std::string_view socket_sid);
// `44/NSP,{"message":"..."}`: the namespace refused the client.
std::string connect_error_packet(std::string_view nsp, std::string_view message);
// `42["NAME",ARG]` with `arg_json` already JSON text.
std::string event_packet(std::string_view name, std::string_view arg_json);

}  // namespace kv::socketio
