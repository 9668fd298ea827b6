// libpq rather than libpqxx: libpqxx 6.4 turns every field of every row into a string of its
// own and escapes it a character at a time, which cost a PUT more than half of its row's
// instructions; here the rows go out as one buffer. A failure anywhere throws.
#include "sinks/postgres_copy.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <stdexcept>

#include "sinks/change_row.hpp"
#include "sinks/copy_binary_row.hpp"
#include "sinks/postgres_changelog.hpp"
#include "sinks/postgres_schema.hpp"

namespace kv::changelog {
namespace {

// Rows are handed to libpq in pieces of about this size.
constexpr std::size_t copy_chunk_bytes = 1 << 20;

using result_ptr = std::unique_ptr<PGresult, decltype(&PQclear)>;

class copy_store : public changelog_store {
 public:
  explicit copy_store(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~copy_store() override {
    if (connection_ != nullptr) PQfinish(connection_);
  }
  copy_store(const copy_store&) = delete;
  copy_store& operator=(const copy_store&) = delete;

  std::uint64_t open() override {
    connection_ = PQconnectdb(conninfo_.c_str());
    if (PQstatus(connection_) != CONNECTION_OK) fail("cannot connect");
    // The schema's "already exists, skipping" notices are not the node's to log.
    PQsetNoticeProcessor(
        connection_, [](void*, const char*) {}, nullptr);
    exec("BEGIN", PGRES_COMMAND_OK);
    exec("SELECT pg_advisory_xact_lock(" + std::to_string(schema_lock) + ")", PGRES_TUPLES_OK);
    exec(create_tables, PGRES_COMMAND_OK);
    const result_ptr last = exec("SELECT coalesce(max(rev), 0) FROM kv_changes", PGRES_TUPLES_OK);
    const std::string_view text = PQgetvalue(last.get(), 0, 0);
    std::uint64_t rev = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), rev).ec != std::errc()) {
      throw std::runtime_error("kv_changes: max(rev) is not a number");
    }
    exec("COMMIT", PGRES_COMMAND_OK);
    return rev;
  }

  void write(const std::optional<rev_range>& gap, std::span<const feed_event_ptr> events) override {
    exec("BEGIN", PGRES_COMMAND_OK);
    if (gap) {
      exec("INSERT INTO kv_changes_gaps (first_rev, last_rev, events) VALUES (" +
               std::to_string(gap->first) + "," + std::to_string(gap->last) + "," +
               std::to_string(gap->size()) + ")",
           PGRES_COMMAND_OK);
    }
    if (!events.empty()) copy_rows(events);
    exec("COMMIT", PGRES_COMMAND_OK);
  }

  std::string describe() const override { return describe_conninfo(conninfo_); }

 private:
  void copy_rows(std::span<const feed_event_ptr> events) {
    std::string sql = "COPY kv_changes (";
    for (std::size_t i = 0; i < std::size(change_columns); ++i) {
      sql += i ? "," : "";
      sql += change_columns[i];
    }
    sql += ") FROM STDIN (FORMAT binary)";
    exec(sql, PGRES_COPY_IN);
    std::string rows;
    rows.reserve(copy_chunk_bytes + 4096);
    rows += copy_binary_header;
    for (const auto& event : events) {
      append_copy_binary_row(rows, *event);
      if (rows.size() >= copy_chunk_bytes) {
        put(rows);
        rows.clear();
      }
    }
    rows += copy_binary_trailer;
    put(rows);
    if (PQputCopyEnd(connection_, nullptr) != 1) fail("COPY did not end");
    const result_ptr done(PQgetResult(connection_), &PQclear);
    if (PQresultStatus(done.get()) != PGRES_COMMAND_OK) fail("COPY failed");
    // The COPY's last result is followed by a null one.
    while (PGresult* more = PQgetResult(connection_)) PQclear(more);
  }

  void put(const std::string& rows) {
    if (PQputCopyData(connection_, rows.data(), static_cast<int>(rows.size())) != 1) {
      fail("COPY data was refused");
    }
  }

  result_ptr exec(const std::string& sql, ExecStatusType expected) {
    result_ptr result(PQexec(connection_, sql.c_str()), &PQclear);
    if (PQresultStatus(result.get()) != expected) fail("kv_changes");
    return result;
  }

  [[noreturn]] void fail(const std::string& what) const {
    std::string message = what + ": " + PQerrorMessage(connection_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    throw std::runtime_error(message);
  }

  std::string conninfo_;
  PGconn* connection_ = nullptr;
};

}  // namespace

std::unique_ptr<changelog_store> make_copy_store(std::string conninfo) {
  return std::make_unique<copy_store>(std::move(conninfo));
}

}  // namespace kv::changelog
