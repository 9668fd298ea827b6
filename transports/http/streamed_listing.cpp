// Pages through the scans of a streamed listing, fetching the next page only once the client
// has taken the last, so a slow reader holds at most one page in memory.
#include "transports/http/streamed_listing.hpp"

#include <memory>
#include <utility>

#include "transports/http/chunked_stream.hpp"

namespace kv::http {
namespace {

constexpr std::size_t stream_page_keys = 1000;
constexpr std::size_t stream_page_bytes = 1 << 20;

class streamed_listing : public std::enable_shared_from_this<streamed_listing> {
 public:
  streamed_listing(exchange_ptr ex, std::vector<scan_query> queries, listing_format format)
      : store_(ex->context().store),
        stream_(std::move(ex), 200, format.content_type),
        queries_(std::move(queries)),
        format_(std::move(format)) {}

  void fetch_next_page() {
    store_.list(queries_[current_], [self = shared_from_this()](std::optional<list_page> page) {
      self->write_page(std::move(page));
    });
  }

 private:
  void write_page(std::optional<list_page> page) {
    // The status line is already out, so a store failure can only cut the document short:
    // the client sees invalid JSON rather than a silently partial answer.
    if (!page) return stream_.finish();
    for (const auto& item : page->items) {
      if (format_.shows && !format_.shows(item)) continue;
      chunk_ += any_item_ ? format_.separator : format_.open;
      any_item_ = true;
      format_.render(chunk_, item);
    }
    if (page->next) {
      queries_[current_].after = std::move(page->next);
    } else if (++current_ == queries_.size()) {
      chunk_ +=
          any_item_ ? format_.close : format_.when_empty.value_or(format_.open + format_.close);
      stream_.write(chunk_);
      return stream_.finish();
    }
    // Empty the buffer before writing: the written callback may fetch and render the next page
    // on another thread before write() returns.
    const std::string chunk = std::exchange(chunk_, {});
    stream_.write(chunk, [self = shared_from_this()] { self->fetch_next_page(); });
  }

  store_api store_;
  chunked_stream stream_;
  std::vector<scan_query> queries_;
  std::size_t current_ = 0;
  listing_format format_;
  std::string chunk_;
  bool any_item_ = false;
};

}  // namespace

void stream_listing(const exchange_ptr& ex, std::vector<scan_query> queries,
                    listing_format format) {
  for (auto& query : queries) {
    query.limit = stream_page_keys;
    query.byte_budget = stream_page_bytes;
  }
  std::make_shared<streamed_listing>(ex, std::move(queries), std::move(format))->fetch_next_page();
}

}  // namespace kv::http
