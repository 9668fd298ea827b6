// The INSERT store and the restore, through libpqxx 6.4 (Debian 12); the COPY store is in
// postgres_copy.cpp. Each store is one connection; a failure anywhere throws, and the sink
// drops the store and opens a new one, which reads the table's last rev again.
#include "sinks/postgres_changelog.hpp"

#include <libpq-fe.h>

#include <pqxx/pqxx>

#include "sinks/change_row.hpp"
#include "sinks/postgres_copy.hpp"
#include "sinks/postgres_schema.hpp"

namespace kv::changelog {
namespace {

constexpr std::size_t restore_page_rows = 10000;

class postgres_store : public changelog_store {
 public:
  explicit postgres_store(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  std::uint64_t open() override {
    connection_ = std::make_unique<pqxx::connection>(conninfo_);
    pqxx::work setup(*connection_, "kv_changes setup");
    // Two nodes creating the tables at once would race in the catalog; one at a time.
    setup.exec("SELECT pg_advisory_xact_lock(" + std::to_string(schema_lock) + ")");
    setup.exec0(create_tables);
    const auto last = setup.exec1("SELECT coalesce(max(rev), 0) FROM kv_changes");
    setup.commit();
    return last[0].as<std::uint64_t>();
  }

  void write(const std::optional<rev_range>& gap, std::span<const feed_event_ptr> events) override {
    pqxx::work txn(*connection_, "kv_changes batch");
    if (gap) {
      txn.exec_params0(
          "INSERT INTO kv_changes_gaps (first_rev, last_rev, events) VALUES ($1, $2, $3)",
          gap->first, gap->last, gap->size());
    }
    if (!events.empty()) insert_rows(txn, events);
    txn.commit();
  }

  std::string describe() const override { return describe_conninfo(conninfo_); }

 private:
  static void insert_rows(pqxx::work& txn, std::span<const feed_event_ptr> events) {
    std::string sql = "INSERT INTO kv_changes (";
    for (std::size_t i = 0; i < std::size(change_columns); ++i) {
      sql += i ? "," : "";
      sql += change_columns[i];
    }
    sql += ") VALUES ";
    bool first = true;
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) about "literal" + string.
    const auto literal = [&sql](std::string_view text) {
      sql += '\'';
      sql += text;
      sql += "',";
    };
    for (const auto& event : events) {
      const change_row row = row_of(*event);
      sql += first ? "(" : ",(";
      first = false;
      for (const std::uint64_t number : {row.rev, row.partition, row.seq}) {
        sql += std::to_string(number);
        sql += ',';
      }
      literal(row.op);
      literal(txn.esc(row.key.data(), row.key.size()));
      if (row.type) {
        literal(*row.type);
      } else {
        sql += "NULL,";
      }
      if (row.value) {
        literal(bytea_hex(*row.value));
      } else {
        sql += "NULL,";
      }
      sql += std::to_string(row.version);
      sql += ',';
      literal(row.ts);
      if (row.expires_at) {
        literal(*row.expires_at);
      } else {
        sql += "NULL,";
      }
      sql.back() = ')';
    }
    txn.exec0(sql);
  }

  std::string conninfo_;
  std::unique_ptr<pqxx::connection> connection_;
};

}  // namespace

std::optional<std::string> conninfo_problem(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string reason = error ? error : "cannot parse it";
    PQfreemem(error);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    return reason;
  }
  PQconninfoFree(options);
  return std::nullopt;
}

std::string describe_conninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return "PostgreSQL (a connection string libpq cannot parse)";
  }
  std::string text = "PostgreSQL";
  for (const char* name : {"host", "hostaddr", "port", "dbname", "user", "sslmode"}) {
    for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
      if (std::string_view(option->keyword) == name && option->val != nullptr &&
          *option->val != '\0') {
        text += std::string(" ") + name + "=" + option->val;
      }
    }
  }
  PQconninfoFree(options);
  return text;
}

store_factory postgres_store_factory(std::string conninfo, write_method method) {
  if (method == write_method::copy) {
    return [conninfo = std::move(conninfo)] { return make_copy_store(conninfo); };
  }
  return [conninfo = std::move(conninfo)] { return std::make_unique<postgres_store>(conninfo); };
}

void read_changes(const std::string& conninfo, const std::function<void(stored_change&&)>& on_row) {
  pqxx::connection connection(conninfo);
  // One snapshot for every page: a node writing meanwhile cannot make the pages disagree.
  pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> txn(connection, "kv_changes restore");
  std::uint64_t after = 0;
  for (;;) {
    const pqxx::result page = txn.exec_params(
        "SELECT rev, op, key, type, value, version, "
        "(extract(epoch FROM expires_at) * 1000)::bigint "
        "FROM kv_changes WHERE rev > $1 ORDER BY rev LIMIT $2",
        after, restore_page_rows);
    for (const auto& row : page) {
      stored_change change;
      change.rev = row[0].as<std::uint64_t>();
      change.op = row[1].is_null() ? std::string() : row[1].as<std::string>();
      change.key = row[2].is_null() ? std::string() : row[2].as<std::string>();
      if (!row[3].is_null()) change.type = row[3].as<std::string>();
      if (!row[4].is_null()) change.value = pqxx::binarystring(row[4]).str();
      change.version = row[5].is_null() ? 0 : row[5].as<std::uint64_t>();
      change.expires_at_ms = row[6].is_null() ? 0 : row[6].as<std::int64_t>();
      after = change.rev;
      on_row(std::move(change));
    }
    if (page.size() < restore_page_rows) break;
  }
  txn.commit();
}

}  // namespace kv::changelog
