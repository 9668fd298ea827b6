// Concurrent writers for the cluster fault tests and the read-back of what a member holds.
#include "tests/support/write_load.hpp"

#include "tests/support/kv_client.hpp"
#include "tests/support/network_namespaces.hpp"

namespace kvtest {

WriteLoad::WriteLoad(std::string prefix, std::vector<WriteTarget> targets,
                     std::chrono::seconds reply_timeout)
    : prefix_(std::move(prefix)), reply_timeout_(reply_timeout) {
  for (std::size_t i = 0; i < targets.size(); ++i) {
    threads_.emplace_back([this, i, target = targets[i]] { run(i, target); });
  }
}

WriteLoad::~WriteLoad() {
  stop();
}

void WriteLoad::stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void WriteLoad::run(std::size_t index, WriteTarget target) {
  // A writer that cannot join its namespace would write nowhere: it writes nothing, and the
  // test sees no attempts.
  if (!target.netns.empty() && !join_netns(target.netns)) return;
  KvClient client(target.host, target.port);
  client.http().set_connection_timeout(1, 0);
  client.http().set_read_timeout(reply_timeout_.count(), 0);
  const std::string base = numbered(prefix_, index) + "-";
  for (std::uint64_t n = 0; !stop_; ++n) {
    const std::string key = numbered(base, n);
    const std::string value = "v-" + key;
    const auto reply = client.put_key(key, value);
    ++attempts_;
    if (reply.status >= 200 && reply.status < 300) {
      std::lock_guard lock(mutex_);
      acknowledged_.emplace(key, value);
    } else if (reply.status < 0) {
      // A member that is down refuses at once: pause rather than spin on the shared cores.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

std::map<std::string, std::string> WriteLoad::acknowledged() const {
  std::lock_guard lock(mutex_);
  return acknowledged_;
}

std::size_t WriteLoad::acknowledged_count() const {
  std::lock_guard lock(mutex_);
  return acknowledged_.size();
}

bool WriteLoad::wait_for_more(std::size_t count, std::chrono::milliseconds timeout) const {
  const std::size_t goal = acknowledged_count() + count;
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (acknowledged_count() < goal) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::map<std::string, std::string> items_of(const std::string& host, std::uint16_t port,
                                            const std::string& prefix) {
  std::map<std::string, std::string> items;
  KvClient client(host, port);
  client.http().set_connection_timeout(1, 0);
  client.http().set_read_timeout(10, 0);
  std::string after;
  for (;;) {
    std::string target = "/v1/keys?consistency=stale&values=true&limit=10000&prefix=" + prefix;
    if (!after.empty()) target += "&after=" + url_encode(after);
    const auto reply = client.get(target);
    if (reply.status != 200) return items;
    const auto body = reply.json();
    for (const auto& item : body["items"]) {
      items.emplace(item["key"].get<std::string>(),
                    base64_decode(item["value"].get<std::string>()).value_or("<not base64>"));
    }
    if (body["next"].is_null()) return items;
    after = body["next"].get<std::string>();
  }
}

::testing::AssertionResult holds_all(const std::map<std::string, std::string>& held,
                                     const std::map<std::string, std::string>& acknowledged) {
  std::size_t lost = 0;
  std::string first;
  for (const auto& [key, value] : acknowledged) {
    const auto found = held.find(key);
    if (found != held.end() && found->second == value) continue;
    if (lost++ == 0) {
      first = key + (found == held.end() ? " is missing" : " holds " + found->second);
    }
  }
  if (lost == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << lost << " of " << acknowledged.size() << " acknowledged writes lost, first: " << first;
}

}  // namespace kvtest
