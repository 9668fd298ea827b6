// Engine.IO 4 and Socket.IO 5 packet text, following the protocols' published specifications
// (engine.io-protocol v4, socket.io-protocol v5). Anything outside them is refused, not guessed.
#include "transports/socketio/engineio_codec.hpp"

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"

namespace kv::socketio {

std::optional<std::vector<eio_packet>> parse_eio_payload(std::string_view body) {
  std::vector<eio_packet> packets;
  while (true) {
    const auto end = body.find(record_separator);
    const auto text = body.substr(0, end);
    if (text.empty() || text.front() < '0' || text.front() > '6') return std::nullopt;
    packets.push_back({static_cast<eio_type>(text.front()), text.substr(1)});
    if (end == std::string_view::npos) break;
    body.remove_prefix(end + 1);
  }
  return packets;
}

void append_to_payload(std::string& payload, std::string_view packet) {
  if (!payload.empty()) payload.push_back(record_separator);
  payload.append(packet);
}

std::string open_packet(std::string_view sid, std::int64_t ping_interval_ms,
                        std::int64_t ping_timeout_ms) {
  std::string packet = "0{\"sid\":";
  append_json_string(packet, sid);
  packet += ",\"upgrades\":[],\"pingInterval\":" + std::to_string(ping_interval_ms) +
            ",\"pingTimeout\":" + std::to_string(ping_timeout_ms) + "}";
  return packet;
}

std::optional<sio_packet> parse_sio_packet(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '4') return std::nullopt;
  sio_packet packet;
  packet.type = static_cast<sio_type>(text.front() - '0');
  text.remove_prefix(1);
  if (!text.empty() && text.front() == '/') {
    const auto comma = text.find(',');
    // "/nsp" alone ends the packet; "/nsp,..." carries more.
    packet.nsp = std::string(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits > 0) {
    if (digits > 18 || (packet.type != sio_type::event && packet.type != sio_type::ack)) {
      return std::nullopt;
    }
    packet.ack_id = std::stoull(std::string(text.substr(0, digits)));
    text.remove_prefix(digits);
  }
  if (!text.empty()) {
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    switch (packet.type) {
      case sio_type::connect:
        if (!json.is_object()) return std::nullopt;
        break;
      case sio_type::event:
        if (!json.is_array() || json.empty() || !json.front().is_string()) return std::nullopt;
        break;
      case sio_type::ack:
        if (!json.is_array()) return std::nullopt;
        break;
      case sio_type::connect_error:
        if (!json.is_object() && !json.is_string()) return std::nullopt;
        break;
      default:
        return std::nullopt;
    }
    packet.data = std::string(text);
  } else if (packet.type == sio_type::event || packet.type == sio_type::ack) {
    return std::nullopt;
  }
  return packet;
}

std::string connect_ack_packet(std::string_view socket_sid) {
  std::string packet = "40{\"sid\":";
  append_json_string(packet, socket_sid);
  return packet + "}";
}

std::string connect_error_packet(std::string_view nsp, std::string_view message) {
  std::string packet = "44";
  if (nsp != "/") packet.append(nsp).push_back(',');
  packet += "{\"message\":";
  append_json_string(packet, message);
  return packet + "}";
}

std::string event_packet(std::string_view name, std::string_view arg_json) {
  std::string packet = "42[";
  append_json_string(packet, name);
  packet += ',';
  packet.append(arg_json);
  return packet + "]";
}

}  // namespace kv::socketio
