// Registration of the node-wide families and rendering of a scrape.
#include "metrics/node_metrics.hpp"

#include <prometheus/text_serializer.h>

namespace kv::metrics {

node_metrics::node_metrics(std::size_t partition_count, const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()),
      keys_(prometheus::BuildGauge()
                .Name("kv_keys")
                .Help("Keys stored on this node.")
                .Register(*registry_)
                .Add({})) {
  prometheus::BuildGauge()
      .Name("kv_build_info")
      .Help("Always 1; the labels tell which build is running.")
      .Register(*registry_)
      .Add({{"version", version}})
      .Set(1);
  auto& keys = prometheus::BuildGauge()
                   .Name("kv_partition_keys")
                   .Help("Keys stored in each partition.")
                   .Register(*registry_);
  auto& bytes = prometheus::BuildGauge()
                    .Name("kv_partition_bytes")
                    .Help("Key and value bytes stored in each partition.")
                    .Register(*registry_);
  auto& queue = prometheus::BuildGauge()
                    .Name("kv_partition_queue_depth")
                    .Help("Messages waiting in each partition's mailbox when it was asked.")
                    .Register(*registry_);
  for (std::size_t i = 0; i < partition_count; ++i) {
    const prometheus::Labels labels{{"partition", std::to_string(i)}};
    partition_keys_.push_back(&keys.Add(labels));
    partition_bytes_.push_back(&bytes.Add(labels));
    partition_queue_.push_back(&queue.Add(labels));
  }
}

void node_metrics::update_partitions(const std::vector<partition_info>& partitions) {
  double total = 0;
  for (const auto& partition : partitions) {
    if (partition.id >= partition_keys_.size()) continue;
    partition_keys_[partition.id]->Set(static_cast<double>(partition.keys));
    partition_bytes_[partition.id]->Set(static_cast<double>(partition.bytes));
    partition_queue_[partition.id]->Set(static_cast<double>(partition.queue_depth));
    total += static_cast<double>(partition.keys);
  }
  keys_.Set(total);
}

void node_metrics::add_collectable(std::shared_ptr<prometheus::Collectable> collectable) {
  collectables_.push_back(std::move(collectable));
}

std::string node_metrics::render() const {
  auto families = registry_->Collect();
  auto append = [&families](const prometheus::Collectable& collectable) {
    auto more = collectable.Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  };
  append(process_);
  for (const auto& collectable : collectables_) append(*collectable);
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace kv::metrics
