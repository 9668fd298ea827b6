// The request handlers, one function per route family. Each either answers through the
// exchange (possibly later, from an actor thread) or throws http_error.
#pragma once

#include "transports/http/exchange.hpp"
#include "transports/http/request.hpp"
#include "transports/http/route_table.hpp"

namespace kv::http {

using Request = request;

// /v1/keys/{key} and /get/{key}
void serve_key(const route_match& match, method m, const Request& request, const exchange_ptr& ex);
// /v1/keys (GET lists, POST writes a batch) and /set
void serve_list(const Request& request, const exchange_ptr& ex);
void serve_batch(const Request& request, const exchange_ptr& ex);
// /v1/watch: the change feed as server-sent events, until the client goes or the node drains
void serve_watch(const Request& request, const exchange_ptr& ex);
// /search and /: complete answers, streamed page by page
void serve_search(const Request& request, const exchange_ptr& ex);
void serve_dump(const exchange_ptr& ex);
// /v1/ping, /v1/readiness, /v1/info
void serve_ping(const exchange_ptr& ex);
void serve_readiness(const exchange_ptr& ex);
void serve_info(const exchange_ptr& ex);
// /metrics
void serve_metrics(const exchange_ptr& ex);
// GET and PUT /kv of yuvraj9's Flask service (yuvraj9_routes.cpp)
void serve_yuvraj9_kv(method m, const Request& request, const exchange_ptr& ex);
// /kvs/v1-0-0/... of isnastish's kvs service (isnastish_routes.cpp)
void serve_isnastish(method m, const Request& request, const exchange_ptr& ex);

// /v1/cluster and the members' internal calls (cluster_routes.cpp)
void serve_cluster(const exchange_ptr& ex);
void serve_cluster_internal(const route_match& match, method m, const Request& request,
                            const exchange_ptr& ex);

// The 503 for a store that did not answer in time, or could not log a write.
void reply_unavailable(const exchange_ptr& ex);

}  // namespace kv::http
