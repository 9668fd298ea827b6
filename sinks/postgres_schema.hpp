// The change log's tables, shared by the PostgreSQL stores that create them when missing.
// The advisory lock keeps two nodes creating them at once from racing in the catalog.
#pragma once

namespace kv::changelog {

// The contract's columns, and expires_at: the deadline of a put with a TTL, which the event
// JSON does not carry and a restore needs. A table made before it gets the column added.
inline constexpr const char* create_tables = R"sql(
CREATE TABLE IF NOT EXISTS kv_changes (
  rev BIGINT PRIMARY KEY,
  partition INT,
  seq BIGINT,
  op TEXT,
  key TEXT,
  type TEXT,
  value BYTEA,
  version BIGINT,
  ts TIMESTAMPTZ,
  expires_at TIMESTAMPTZ
);
ALTER TABLE kv_changes ADD COLUMN IF NOT EXISTS expires_at TIMESTAMPTZ;
CREATE TABLE IF NOT EXISTS kv_changes_gaps (
  first_rev BIGINT PRIMARY KEY,
  last_rev BIGINT NOT NULL,
  events BIGINT NOT NULL,
  recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
)sql";

inline constexpr long long schema_lock = 7212367291;

}  // namespace kv::changelog
