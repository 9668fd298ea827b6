// The Engine.IO 4 / Socket.IO 5 packet codec: the bytes python-socketio's client sends and the
// ones the server writes, and strict refusal of anything else.
#include "transports/socketio/engineio_codec.hpp"

#include <gtest/gtest.h>

namespace kv::socketio {
namespace {

TEST(EngineioPayload, SplitsPacketsOnTheRecordSeparator) {
  const auto packets = parse_eio_payload(
      "40\x1e"
      "3\x1e"
      "42[\"x\"]");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 3u);
  EXPECT_EQ((*packets)[0].type, eio_type::message);
  EXPECT_EQ((*packets)[0].data, "0");
  EXPECT_EQ((*packets)[1].type, eio_type::pong);
  EXPECT_EQ((*packets)[1].data, "");
  EXPECT_EQ((*packets)[2].data, "2[\"x\"]");
}

TEST(EngineioPayload, TakesASinglePacketAndTheCloseOfCtrlC) {
  const auto packets = parse_eio_payload("1");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 1u);
  EXPECT_EQ((*packets)[0].type, eio_type::close);
}

TEST(EngineioPayload, RefusesEmptyUnknownAndBinaryPackets) {
  EXPECT_FALSE(parse_eio_payload(""));
  EXPECT_FALSE(parse_eio_payload("4x\x1e"));  // an empty packet after the separator
  EXPECT_FALSE(parse_eio_payload("7"));
  EXPECT_FALSE(parse_eio_payload("bAQID"));  // base64 binary: not offered
  EXPECT_FALSE(
      parse_eio_payload("\x1e"
                        "2"));
}

TEST(EngineioPayload, JoinsAnswersWithTheRecordSeparator) {
  std::string payload;
  append_to_payload(payload, "40{\"sid\":\"a\"}");
  append_to_payload(payload, "2");
  EXPECT_EQ(payload,
            "40{\"sid\":\"a\"}\x1e"
            "2");
}

TEST(EngineioPayload, OpenPacketHasTheFourFieldsTheClientNeeds) {
  EXPECT_EQ(open_packet("abc123", 25000, 20000),
            R"(0{"sid":"abc123","upgrades":[],"pingInterval":25000,"pingTimeout":20000})");
}

TEST(SocketioPacket, ParsesTheConnectOfBothClientGenerations) {
  const auto old_connect = parse_sio_packet("0");  // python-socketio 5.3.0
  ASSERT_TRUE(old_connect);
  EXPECT_EQ(old_connect->type, sio_type::connect);
  EXPECT_EQ(old_connect->nsp, "/");
  const auto new_connect = parse_sio_packet("0{}");  // 5.7.x
  ASSERT_TRUE(new_connect);
  EXPECT_EQ(new_connect->data, "{}");
}

TEST(SocketioPacket, ParsesNamespaceAckIdAndEventData) {
  const auto event = parse_sio_packet("2/admin,12[\"hello\",1]");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, sio_type::event);
  EXPECT_EQ(event->nsp, "/admin");
  ASSERT_TRUE(event->ack_id);
  EXPECT_EQ(*event->ack_id, 12u);
  EXPECT_EQ(event->data, "[\"hello\",1]");
  const auto disconnect = parse_sio_packet("1/admin,");
  ASSERT_TRUE(disconnect);
  EXPECT_EQ(disconnect->type, sio_type::disconnect);
  EXPECT_EQ(disconnect->nsp, "/admin");
}

TEST(SocketioPacket, RefusesWhatTheProtocolDoesNotAllow) {
  EXPECT_FALSE(parse_sio_packet(""));
  EXPECT_FALSE(parse_sio_packet("9"));
  EXPECT_FALSE(parse_sio_packet("51-[\"x\",{\"_placeholder\":true,\"num\":0}]"));  // binary
  EXPECT_FALSE(parse_sio_packet("2"));                            // an event without data
  EXPECT_FALSE(parse_sio_packet("2{\"a\":1}"));                   // event data must be an array
  EXPECT_FALSE(parse_sio_packet("2[1]"));                         // whose first item is the name
  EXPECT_FALSE(parse_sio_packet("2[\"x\""));                      // not JSON
  EXPECT_FALSE(parse_sio_packet("0[]"));                          // connect data must be an object
  EXPECT_FALSE(parse_sio_packet("012"));                          // no ack id on connect
  EXPECT_FALSE(parse_sio_packet("1{}"));                          // disconnect carries nothing
  EXPECT_FALSE(parse_sio_packet("21234567890123456789[\"x\"]"));  // ack id too long
}

TEST(SocketioPacket, EncodesConnectAckErrorAndEvent) {
  EXPECT_EQ(connect_ack_packet("s1"), R"(40{"sid":"s1"})");
  EXPECT_EQ(connect_error_packet("/admin", "Invalid namespace"),
            R"(44/admin,{"message":"Invalid namespace"})");
  EXPECT_EQ(event_packet("key_update", R"({"data":"Key: k set with value: v"})"),
            R"(42["key_update",{"data":"Key: k set with value: v"}])");
}

}  // namespace
}  // namespace kv::socketio
