// A kvnode's membership in a cluster (contract section 11): the raft log under data_dir/raft,
// the forwarding of a follower's writes and reads to the leader over HTTP, and what the HTTP
// routes ask of the cluster. Built only with a [cluster] table.
#pragma once

#include <memory>
#include <string>

#include "actors/store_runtime.hpp"
#include "node/node_config.hpp"
#include "transports/http/http_server.hpp"

namespace kv {

class cluster_member {
 public:
  // Starts the raft log. On failure returns null having logged one line; `exit_status` is then
  // 1 (could not start: a port in use, storage) or 2 (the config disagrees with what is stored).
  static std::unique_ptr<cluster_member> start(const node_config& config, store_runtime& runtime,
                                               int& exit_status);
  ~cluster_member();

  std::shared_ptr<const http::server_options::cluster_hooks> http_hooks() const;
  // Hands leadership to another member if this one leads (before a planned stop), waiting at
  // most a couple of seconds.
  void transfer_leadership();
  void stop();

  struct impl;

 private:
  explicit cluster_member(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

}  // namespace kv
