// GET /v1/cluster, and the two calls members make to the leader: POST /v1/cluster/propose
// (a follower's writes, as framed commands; 200 with the framed outcomes once committed and
// applied, see actors/cluster_forwarded_write.hpp) and GET /v1/cluster/read_index
// (a barrier's index, for a follower's linearizable read). Standalone: 404.
#include <nlohmann/json.hpp>

#include "transports/http/routes.hpp"

namespace kv::http {

void serve_cluster(const exchange_ptr& ex) {
  const auto& cluster = ex->context().options.cluster;
  if (!cluster) return ex->send_error(404, "not_found", "this node is not in a cluster");
  ex->send(200, cluster->status_json(), content_type::json);
}

void serve_cluster_internal(const route_match& match, method m, const Request& request,
                            const exchange_ptr& ex) {
  const auto& cluster = ex->context().options.cluster;
  if (!cluster) return ex->send_error(404, "not_found", "this node is not in a cluster");
  if (match.key == "propose" && m == method::post) {
    return cluster->propose(request.body(), [ex](int status, std::string reply) {
      if (status == 200) return ex->send(200, reply, content_type::octet_stream);
      ex->send_error(status, status == 400 ? "bad_request" : "unavailable", reply);
    });
  }
  if (match.key == "read_index" && m == method::get) {
    return cluster->read_index([ex](std::optional<std::uint64_t> index) {
      if (!index) return ex->send_error(503, "unavailable", "not the leader, or no quorum");
      ex->send_json(200, {{"index", *index}});
    });
  }
  ex->send_error(404, "not_found", "no route /v1/cluster/" + std::string(match.key));
}

}  // namespace kv::http
