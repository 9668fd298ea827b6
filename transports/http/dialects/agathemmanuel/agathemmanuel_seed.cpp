// Seeding waits for the store: it runs once, before the node serves.
#include "transports/http/dialects/agathemmanuel/agathemmanuel_seed.hpp"

#include <future>

namespace kv::http::dialects {
namespace {

// Runs `call` with a completion and waits for what it completes with.
template <class T, class Call>
std::optional<T> wait_for(Call call) {
  auto done = std::make_shared<std::promise<std::optional<T>>>();
  auto answer = done->get_future();
  call([done](std::optional<T> result) { done->set_value(std::move(result)); });
  return answer.get();
}

}  // namespace

bool seed_agathemmanuel_store(const store_api& store) {
  const auto partitions = wait_for<std::vector<partition_info>>(
      [&](completion<std::vector<partition_info>> done) { store.partitions(std::move(done)); });
  if (!partitions) return false;
  for (const auto& partition : *partitions) {
    if (partition.keys > 0) return true;
  }
  key_value_list seeds;
  for (const char* key : {"abc-1", "abc-2", "xyz-1", "xyz-2"}) {
    seeds.emplace_back(key, shared_bytes::copy_of(key));
  }
  return wait_for<std::size_t>([&](completion<std::size_t> done) {
           store.put_all(std::move(seeds), std::move(done));
         })
      .has_value();
}

}  // namespace kv::http::dialects
