#include "actors/cluster_forwarded_write.hpp"

#include <memory>
#include <mutex>
#include <optional>

#include "cluster/command.hpp"

namespace kv::forwarded_write {
namespace {

// One forwarded call: answered once the entry committed and every outcome came in, or once the
// proposal failed, whichever comes first.
struct call {
  std::mutex mutex;
  std::vector<std::string> outcomes;
  std::size_t missing = 0;
  bool committed = false;
  bool answered = false;
  std::function<void(int, std::string)> done;

  // Under `mutex`: the answer to send, if it is time.
  std::optional<std::string> ready() {
    if (answered || !committed || missing > 0) return std::nullopt;
    answered = true;
    return cluster::frame(outcomes);
  }
};

}  // namespace

void start(cluster::replicated_log& log, cluster_gate& gate, std::vector<std::string> commands,
           std::vector<std::pair<std::uint32_t, std::uint64_t>> ids,
           std::function<void(int, std::string)> done) {
  auto state = std::make_shared<call>();
  state->outcomes.resize(commands.size());
  state->done = std::move(done);
  std::vector<std::uint64_t> tokens(ids.size(), 0);
  {
    std::lock_guard lock(state->mutex);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i].second == 0) continue;  // no request id: nobody can wait for it
      ++state->missing;
      tokens[i] = gate.await_remote(ids[i].first, ids[i].second, [state, i](std::string outcome) {
        std::optional<std::string> reply;
        {
          std::lock_guard lock(state->mutex);
          state->outcomes[i] = std::move(outcome);
          --state->missing;
          reply = state->ready();
        }
        if (reply) state->done(200, std::move(*reply));
      });
    }
  }
  log.propose(std::move(commands),
              [state, &log, &gate, ids = std::move(ids), tokens = std::move(tokens)](int code) {
                std::optional<std::string> reply;
                if (code == 0) {
                  std::lock_guard lock(state->mutex);
                  state->committed = true;
                  reply = state->ready();
                } else {
                  for (std::size_t i = 0; i < ids.size(); ++i) {
                    if (tokens[i] != 0) gate.drop_remote(ids[i].first, ids[i].second, tokens[i]);
                  }
                  std::lock_guard lock(state->mutex);
                  if (state->answered) return;
                  state->answered = true;
                }
                if (reply) return state->done(200, std::move(*reply));
                if (code != 0)
                  state->done(503, "not committed: " + std::string(log.error_text(code)));
              });
}

}  // namespace kv::forwarded_write
