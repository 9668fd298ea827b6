// Black-box concurrency tests: 16 clients on their own connections mix PUT, GET and DELETE on
// owned and shared keys; replies, final values and versions must match a deterministic model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

constexpr int kClients = 16;

// "cNN:" - the start of every value client NN writes.
std::string client_tag(int client) {
  char tag[16];
  std::snprintf(tag, sizeof tag, "c%02d:", client);
  return tag;
}

// The key `slot` owned by client `owner`: only that client writes it.
std::string owned_key(int owner, int slot) {
  char key[32];
  std::snprintf(key, sizeof key, "own/c%02d/k%d", owner, slot);
  return key;
}

struct ModelEntry {
  bool exists = false;
  std::string value;
  std::uint64_t version = 0;
};

class ConcurrencyTest : public FreshNodeTest {
 protected:
  // Runs body(client_index, client, failures) on kClients threads, each with its own
  // keep-alive connection, and reports every failure afterwards.
  template <class Body>
  void RunClients(Body body) {
    std::vector<std::vector<std::string>> failures(kClients);
    std::vector<std::thread> threads;
    for (int c = 0; c < kClients; ++c) {
      threads.emplace_back([&, c] {
        KvClient client = new_client(/*keep_alive=*/true);
        body(c, client, failures[c]);
      });
    }
    for (auto& thread : threads) thread.join();
    for (int c = 0; c < kClients; ++c) {
      for (const auto& failure : failures[c]) ADD_FAILURE() << "client " << c << ": " << failure;
    }
  }
};

TEST_F(ConcurrencyTest, SixteenClientsMixingOperationsLeaveTheStateEachOwnerWrote) {
  constexpr int kOpsPerClient = 400;
  constexpr int kOwnedKeys = 6;
  constexpr int kSharedKeys = 4;
  for (int s = 0; s < kSharedKeys; ++s) {
    ASSERT_TRUE(IsWriteReply(kv().put_key(numbered("shared/", s), numbered("shared-value-", s)),
                             numbered("shared/", s), 1, true));
  }
  std::vector<std::vector<ModelEntry>> models(kClients, std::vector<ModelEntry>(kOwnedKeys));

  RunClients([&](int c, KvClient& client, std::vector<std::string>& failures) {
    std::mt19937 random(1000 + c);
    auto& model = models[c];
    for (int op = 0; op < kOpsPerClient && failures.empty(); ++op) {
      const int choice = static_cast<int>(random() % 100);
      const int slot = static_cast<int>(random() % kOwnedKeys);
      const std::string key = owned_key(c, slot);
      ModelEntry& entry = model[slot];
      ::testing::AssertionResult ok = ::testing::AssertionSuccess();
      if (choice < 45) {
        const std::string value = client_tag(c) + numbered("op", op);
        const bool created = !entry.exists;
        const std::uint64_t version = created ? 1 : entry.version + 1;
        ok = IsWriteReply(client.put_key(key, value), key, version, created);
        entry = ModelEntry{true, value, version};
      } else if (choice < 60) {
        ok = IsJsonReply(client.delete_key(key), 200, {{"key", key}, {"deleted", entry.exists}});
        entry = ModelEntry{};
      } else if (choice < 80) {
        const Reply reply = client.get_key(key);
        ok = entry.exists ? IsValueReply(reply, entry.value, entry.version)
                          : IsMissingKeyReply(reply, key);
      } else if (choice < 90) {
        const int s = slot % kSharedKeys;
        ok = IsValueReply(client.get_key(numbered("shared/", s)), numbered("shared-value-", s), 1);
      } else {
        // A key another client is writing right now: either absent or one of its values.
        const int other = (c + 1) % kClients;
        const std::string other_key = owned_key(other, slot);
        const Reply reply = client.get_key(other_key);
        const std::string owner_tag = client_tag(other) + "op";
        if (reply.status == 404) {
          ok = IsMissingKeyReply(reply, other_key);
        } else if (reply.status != 200 || reply.body.rfind(owner_tag, 0) != 0 ||
                   reply.header("X-Kv-Version").empty()) {
          ok = ::testing::AssertionFailure() << "GET " << other_key << ": " << reply.describe();
        }
      }
      if (!ok) failures.push_back("op " + std::to_string(op) + " on " + key + ": " + ok.message());
    }
  });
  if (HasFailure()) return;

  // The final state is exactly what each owner last wrote, and nothing else is under own/.
  nlohmann::json expected_items = nlohmann::json::array();
  std::vector<std::pair<std::string, ModelEntry>> final_entries;
  for (int c = 0; c < kClients; ++c) {
    for (int slot = 0; slot < kOwnedKeys; ++slot) {
      const ModelEntry& entry = models[c][slot];
      const std::string key = owned_key(c, slot);
      if (entry.exists) {
        EXPECT_TRUE(IsValueReply(kv().get_key(key), entry.value, entry.version)) << key;
        final_entries.emplace_back(key, entry);
      } else {
        EXPECT_TRUE(IsMissingKeyReply(kv().get_key(key), key));
      }
    }
  }
  std::sort(final_entries.begin(), final_entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, entry] : final_entries) {
    expected_items.push_back(
        {{"key", key}, {"value", base64_encode(entry.value)}, {"version", entry.version}});
  }
  nlohmann::json page;
  ASSERT_TRUE(kv().list({{"prefix", "own/"}, {"values", "true"}, {"limit", "10000"}}, &page));
  EXPECT_EQ(page, (nlohmann::json{{"items", expected_items}, {"next", nullptr}}));
}

TEST_F(ConcurrencyTest, ConcurrentPutsOnOneKeyEachGetADistinctVersion) {
  constexpr int kWritesPerClient = 100;
  std::vector<std::vector<std::uint64_t>> versions(kClients);
  std::vector<std::string> last_values(kClients);

  RunClients([&](int c, KvClient& client, std::vector<std::string>& failures) {
    for (int i = 0; i < kWritesPerClient; ++i) {
      const std::string value = client_tag(c) + std::to_string(i);
      const Reply reply = client.put_key("hot", value);
      nlohmann::json body = reply.json();
      if (reply.status != 200 || !body.is_object() || body.value("key", "") != "hot" ||
          !body["version"].is_number_unsigned() || !body["created"].is_boolean() ||
          body["created"].get<bool>() != (body["version"] == 1)) {
        failures.push_back("PUT hot: " + reply.describe());
        return;
      }
      const auto version = body["version"].get<std::uint64_t>();
      if (!versions[c].empty() && version <= versions[c].back()) {
        failures.push_back("version went from " + std::to_string(versions[c].back()) + " to " +
                           std::to_string(version) + " on one connection");
      }
      versions[c].push_back(version);
      last_values[c] = value;
    }
  });
  if (HasFailure()) return;

  std::vector<std::uint64_t> all;
  for (const auto& client_versions : versions) {
    all.insert(all.end(), client_versions.begin(), client_versions.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<std::uint64_t> one_to_n(kClients * kWritesPerClient);
  for (std::size_t i = 0; i < one_to_n.size(); ++i) one_to_n[i] = i + 1;
  EXPECT_EQ(all, one_to_n) << "every acknowledged write must get its own version, 1..N";

  const Reply final_reply = kv().get_key("hot");
  ASSERT_EQ(final_reply.status, 200) << final_reply.describe();
  EXPECT_EQ(final_reply.header("X-Kv-Version"), std::to_string(kClients * kWritesPerClient));
  EXPECT_NE(std::find(last_values.begin(), last_values.end(), final_reply.body), last_values.end())
      << "final value " << final_reply.body << " is not any client's last write";
}

TEST_F(ConcurrencyTest, CompareAndSwapIncrementsFromSixteenClientsLoseNoUpdate) {
  constexpr int kIncrementsPerClient = 20;
  constexpr int kMaxAttemptsPerClient = 5000;
  ASSERT_TRUE(IsWriteReply(kv().put_key("counter", "0"), "counter", 1, true));

  RunClients([&](int, KvClient& client, std::vector<std::string>& failures) {
    int done = 0;
    for (int attempt = 0; attempt < kMaxAttemptsPerClient && done < kIncrementsPerClient;
         ++attempt) {
      const Reply current = client.get_key("counter");
      if (current.status != 200) {
        failures.push_back("GET counter: " + current.describe());
        return;
      }
      const std::uint64_t version = std::stoull(current.header("X-Kv-Version"));
      const std::string next = std::to_string(std::stoll(current.body) + 1);
      const Reply write = client.put_key("counter", next, version);
      if (write.status == 200) {
        if (auto ok = IsWriteReply(write, "counter", version + 1, false); !ok) {
          failures.push_back(ok.message());
          return;
        }
        ++done;
      } else if (auto ok = IsErrorReply(write, 409, "conflict"); !ok) {
        failures.push_back("CAS PUT: " + std::string(ok.message()));
        return;
      }
    }
    if (done < kIncrementsPerClient) failures.push_back("gave up after too many conflicts");
  });
  if (HasFailure()) return;

  EXPECT_TRUE(IsValueReply(kv().get_key("counter"), std::to_string(kClients * kIncrementsPerClient),
                           1 + kClients * kIncrementsPerClient));
}

}  // namespace
}  // namespace kvtest
