// Black-box tests of GET /v1/keys over 3000 keys spread across partitions: bytewise order,
// paging with limit/after/next, prefix and suffix filters, values=true, and limit validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/kv_client.hpp"
#include "tests/support/node_fixtures.hpp"

namespace kvtest {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

struct Entry {
  std::string value;
  std::uint64_t version = 1;
};

// The first bytes of the keys: they land in many different partitions (0x21 '!', digits,
// upper and lower case letters, '~', and the lead bytes 0xC3, 0xD0, 0xE6 and 0xF0).
const std::vector<std::string>& first_parts() {
  static const std::vector<std::string> parts = [] {
    std::vector<std::string> out = {
        "!", "~", "\xC3\xA9", "\xD0\x96", "\xE6\x97\xA5\xE6\x9C\xAC", "\xF0\x9F\x98\x80"};
    for (char c = '0'; c <= '9'; ++c) out.emplace_back(1, c);
    for (char c = 'A'; c <= 'Z'; ++c) out.emplace_back(1, c);
    for (char c = 'a'; c <= 'z'; ++c) out.emplace_back(1, c);
    return out;
  }();
  return parts;
}

constexpr int kDatasetKeys = 3000;

// Key i of the data set: "<first part>/item-<i, 4 digits><extension>".
std::string dataset_key(int i) {
  static const char* const kExtensions[] = {".txt", ".json", ".bin", ".log", ""};
  const auto& parts = first_parts();
  std::string index = std::to_string(i);
  index.insert(0, 4 - index.size(), '0');
  std::string key = parts[i % parts.size()];
  key += "/item-";
  key += index;
  key += kExtensions[i % 5];
  return key;
}

std::vector<std::string> sorted_keys(const std::map<std::string, Entry>& entries) {
  std::vector<std::string> keys;
  for (const auto& [key, entry] : entries) keys.push_back(key);
  return keys;  // std::map<std::string> is already in bytewise order
}

bool has_prefix(const std::string& key, const std::string& prefix) {
  return key.compare(0, prefix.size(), prefix) == 0;
}

bool has_suffix(const std::string& key, const std::string& suffix) {
  return key.size() >= suffix.size() &&
         key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class ListingTest : public SharedNodeTest<ListingTest> {
 protected:
  // The expected store: 3000 keys written by batch, a few rewritten by PUT (higher versions),
  // one holding every byte value, and keys with a space and a plus for query decoding.
  static std::map<std::string, Entry>& expected() {
    static std::map<std::string, Entry> entries;
    return entries;
  }

  void SetUp() override {
    SharedNodeTest::SetUp();
    if (HasFatalFailure() || loaded_) return;
    auto& entries = expected();
    entries.clear();
    std::map<std::string, std::string> batch;
    for (int i = 0; i < kDatasetKeys; ++i) batch[dataset_key(i)] = numbered("value-", i);
    for (const auto* extra : {"with space/1", "with space/2", "with+plus/1"}) {
      batch[extra] = extra;
    }
    ASSERT_TRUE(kv().put_all(batch));
    for (const auto& [key, value] : batch) entries[key] = Entry{value, 1};
    for (int i = 0; i < kDatasetKeys; i += 500) {
      const std::string key = dataset_key(i);
      for (const std::string value : {"second", "third"}) {
        const std::uint64_t version = entries[key].version + 1;
        ASSERT_TRUE(IsWriteReply(kv().put_key(key, value), key, version, false));
        entries[key] = Entry{value, version};
      }
    }
    const std::string binary_key = dataset_key(7);
    ASSERT_TRUE(IsWriteReply(kv().put_key(binary_key, all_byte_values()), binary_key, 2, false));
    entries[binary_key] = Entry{all_byte_values(), 2};
    loaded_ = true;
  }

  // Every key matching the filters, in bytewise order.
  static std::vector<std::string> matching(const std::string& prefix, const std::string& suffix) {
    std::vector<std::string> keys;
    for (const auto& key : sorted_keys(expected())) {
      if (has_prefix(key, prefix) && has_suffix(key, suffix)) keys.push_back(key);
    }
    return keys;
  }

  // Follows `next` from the first page to the end. Checks the shape of every page and that
  // a keys-only page holds exactly `limit` keys unless it is the last one.
  ::testing::AssertionResult ListAllPages(Params params, std::size_t limit,
                                          std::vector<std::string>* keys, int* pages) {
    keys->clear();
    *pages = 0;
    std::optional<std::string> after;
    for (;;) {
      Params query = params;
      query.emplace_back("limit", std::to_string(limit));
      if (after) query.emplace_back("after", *after);
      nlohmann::json page;
      if (auto ok = kv().list(query, &page); !ok) return ok;
      ++*pages;
      if (page.size() != 2 || !page.contains("keys") || !page["keys"].is_array() ||
          !page.contains("next") || !(page["next"].is_null() || page["next"].is_string())) {
        return ::testing::AssertionFailure()
               << "page is not {\"keys\":[...],\"next\":K|null}: " << page.dump().substr(0, 300);
      }
      const auto& page_keys = page["keys"];
      if (page_keys.size() > limit) {
        return ::testing::AssertionFailure()
               << "page of " << page_keys.size() << " keys exceeds limit " << limit;
      }
      for (const auto& key : page_keys) keys->push_back(key.get<std::string>());
      if (page["next"].is_null()) return ::testing::AssertionSuccess();
      if (page_keys.size() != limit) {
        return ::testing::AssertionFailure()
               << "page " << *pages << " has " << page_keys.size() << " keys, fewer than limit "
               << limit << ", but next is not null";
      }
      after = page["next"].get<std::string>();
      if (*pages > kDatasetKeys + 10) {
        return ::testing::AssertionFailure() << "paging does not end";
      }
    }
  }

  static inline bool loaded_ = false;
};

::testing::AssertionResult SameKeys(const std::vector<std::string>& actual,
                                    const std::vector<std::string>& expected_keys) {
  if (actual == expected_keys) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  failure << "got " << actual.size() << " keys, expected " << expected_keys.size() << ". ";
  const auto mismatch =
      std::mismatch(actual.begin(), actual.end(), expected_keys.begin(), expected_keys.end());
  const auto at = mismatch.first - actual.begin();
  failure << "First difference at index " << at << ": got \""
          << (mismatch.first != actual.end() ? url_encode(*mismatch.first) : "<end>")
          << "\", expected \""
          << (mismatch.second != expected_keys.end() ? url_encode(*mismatch.second) : "<end>")
          << "\"";
  std::set<std::string> seen;
  for (const auto& key : actual) {
    if (!seen.insert(key).second) {
      failure << "; key repeated: " << url_encode(key);
      break;
    }
  }
  return failure;
}

// ---- paging over everything ------------------------------------------------------------------

TEST_F(ListingTest, PagingWithLimit700ReturnsEveryKeyOnceInBytewiseOrder) {
  std::vector<std::string> keys;
  int pages = 0;
  ASSERT_TRUE(ListAllPages({}, 700, &keys, &pages));
  EXPECT_TRUE(SameKeys(keys, sorted_keys(expected())));
  EXPECT_EQ(pages, 5);
}

TEST_F(ListingTest, PagingWithLimitsDividingTheKeyCountEndsCleanly) {
  // 3003 keys: limit 1001 and 3003 end exactly on a page boundary; an extra empty page is fine.
  for (const std::size_t limit : {1001u, 3003u, 10000u}) {
    SCOPED_TRACE(numbered("limit ", limit));
    std::vector<std::string> keys;
    int pages = 0;
    ASSERT_TRUE(ListAllPages({}, limit, &keys, &pages));
    EXPECT_TRUE(SameKeys(keys, sorted_keys(expected())));
  }
}

TEST_F(ListingTest, PagingOneKeyAtATimeWithAPrefixMissesNothing) {
  std::vector<std::string> keys;
  int pages = 0;
  ASSERT_TRUE(ListAllPages({{"prefix", "q/"}}, 1, &keys, &pages));
  EXPECT_TRUE(SameKeys(keys, matching("q/", "")));
  EXPECT_GE(keys.size(), 40u);
}

TEST_F(ListingTest, DefaultLimitIsOneThousand) {
  const auto all = sorted_keys(expected());
  nlohmann::json page;
  ASSERT_TRUE(kv().list({}, &page));
  ASSERT_TRUE(page["keys"].is_array());
  const auto first = page["keys"].get<std::vector<std::string>>();
  EXPECT_TRUE(SameKeys(first, std::vector<std::string>(all.begin(), all.begin() + 1000)));
  ASSERT_TRUE(page["next"].is_string()) << page["next"].dump();

  nlohmann::json second;
  ASSERT_TRUE(kv().list({{"after", page["next"].get<std::string>()}}, &second));
  EXPECT_TRUE(SameKeys(second["keys"].get<std::vector<std::string>>(),
                       std::vector<std::string>(all.begin() + 1000, all.begin() + 2000)));
}

TEST_F(ListingTest, LimitOfTenThousandReturnsEveryKeyWithNextNull) {
  nlohmann::json page;
  ASSERT_TRUE(kv().list({{"limit", "10000"}}, &page));
  EXPECT_TRUE(SameKeys(page["keys"].get<std::vector<std::string>>(), sorted_keys(expected())));
  EXPECT_TRUE(page["next"].is_null()) << page["next"].dump();
}

TEST_F(ListingTest, OutOfRangeOrNonNumericLimitIsBadRequest) {
  for (const std::string limit : {"10001", "0", "-1", "abc", "5x", "1e3", "99999999999999999999"}) {
    SCOPED_TRACE("limit=" + limit);
    EXPECT_TRUE(IsErrorReply(kv().get("/v1/keys?limit=" + limit), 400, "bad_request"));
  }
}

// ---- the after cursor ------------------------------------------------------------------------

TEST_F(ListingTest, AfterIsAnExclusiveCursor) {
  const auto all = sorted_keys(expected());
  nlohmann::json page;
  ASSERT_TRUE(kv().list({{"after", all[100]}, {"limit", "5"}}, &page));
  EXPECT_TRUE(SameKeys(page["keys"].get<std::vector<std::string>>(),
                       std::vector<std::string>(all.begin() + 101, all.begin() + 106)));
}

TEST_F(ListingTest, AfterAKeyThatDoesNotExistStartsAtTheNextGreaterKey) {
  const auto all = sorted_keys(expected());
  const std::string cursor = "b/item-0000~";  // between stored keys
  std::vector<std::string> after_cursor;
  for (const auto& key : all) {
    if (key > cursor) after_cursor.push_back(key);
  }
  after_cursor.resize(3);
  nlohmann::json page;
  ASSERT_TRUE(kv().list({{"after", cursor}, {"limit", "3"}}, &page));
  EXPECT_TRUE(SameKeys(page["keys"].get<std::vector<std::string>>(), after_cursor));
}

TEST_F(ListingTest, AfterTheLastKeyGivesAnEmptyPageWithNextNull) {
  const auto all = sorted_keys(expected());
  nlohmann::json page;
  ASSERT_TRUE(kv().list({{"after", all.back()}}, &page));
  EXPECT_EQ(page, (nlohmann::json{{"keys", nlohmann::json::array()}, {"next", nullptr}}));
}

// ---- filters ---------------------------------------------------------------------------------

TEST_F(ListingTest, PrefixSelectsExactlyTheMatchingKeys) {
  for (const std::string prefix :
       {"a/", "Z", "7/item-0", "~", "!", "\xC3\xA9/", "\xD0\x96", "\xE6\x97\xA5\xE6\x9C\xAC/",
        "\xE6\x97\xA5", "\xF0\x9F\x98\x80/item-01", "a/item-0001", "no-such-prefix", ""}) {
    SCOPED_TRACE("prefix " + url_encode(prefix));
    std::vector<std::string> keys;
    int pages = 0;
    ASSERT_TRUE(ListAllPages({{"prefix", prefix}}, 10000, &keys, &pages));
    EXPECT_TRUE(SameKeys(keys, matching(prefix, "")));
  }
}

TEST_F(ListingTest, SuffixSelectsExactlyTheMatchingKeys) {
  for (const std::string suffix : {".json", ".bin", "7.txt", "0", "/1", "nothing-ends-so"}) {
    SCOPED_TRACE("suffix " + suffix);
    std::vector<std::string> keys;
    int pages = 0;
    ASSERT_TRUE(ListAllPages({{"suffix", suffix}}, 10000, &keys, &pages));
    EXPECT_TRUE(SameKeys(keys, matching("", suffix)));
  }
}

TEST_F(ListingTest, PrefixAndSuffixCombine) {
  for (const auto& [prefix, suffix] :
       std::vector<std::pair<std::string, std::string>>{{"a/", ".log"},
                                                        {"\xE6\x97\xA5\xE6\x9C\xAC/", "0.bin"},
                                                        {"M", ".txt"},
                                                        {"z/", ".none"}}) {
    SCOPED_TRACE("prefix " + url_encode(prefix) + " suffix " + suffix);
    std::vector<std::string> keys;
    int pages = 0;
    ASSERT_TRUE(ListAllPages({{"prefix", prefix}, {"suffix", suffix}}, 10000, &keys, &pages));
    EXPECT_TRUE(SameKeys(keys, matching(prefix, suffix)));
  }
}

TEST_F(ListingTest, FiltersPageWithSmallLimits) {
  std::vector<std::string> keys;
  int pages = 0;
  ASSERT_TRUE(ListAllPages({{"suffix", ".json"}}, 37, &keys, &pages));
  EXPECT_TRUE(SameKeys(keys, matching("", ".json")));
  ASSERT_TRUE(ListAllPages({{"prefix", "b/"}, {"suffix", "5"}}, 2, &keys, &pages));
  EXPECT_TRUE(SameKeys(keys, matching("b/", "5")));
}

TEST_F(ListingTest, AfterCombinesWithAPrefix) {
  const auto with_prefix = matching("c/", "");
  ASSERT_GT(with_prefix.size(), 10u);
  nlohmann::json page;
  ASSERT_TRUE(kv().list({{"prefix", "c/"}, {"after", with_prefix[2]}}, &page));
  EXPECT_TRUE(SameKeys(page["keys"].get<std::vector<std::string>>(),
                       std::vector<std::string>(with_prefix.begin() + 3, with_prefix.end())));
  EXPECT_TRUE(page["next"].is_null());
}

TEST_F(ListingTest, QueryValuesDecodePlusAsSpaceAndPercentEscapes) {
  const nlohmann::json spaced = {{"keys", {"with space/1", "with space/2"}}, {"next", nullptr}};
  EXPECT_TRUE(IsJsonReply(kv().get("/v1/keys?prefix=with+space"), 200, spaced));
  EXPECT_TRUE(IsJsonReply(kv().get("/v1/keys?prefix=with%20space%2F"), 200, spaced));
  EXPECT_TRUE(IsJsonReply(kv().get("/v1/keys?prefix=with%2Bplus"), 200,
                          {{"keys", nlohmann::json::array({"with+plus/1"})}, {"next", nullptr}}));
  EXPECT_TRUE(IsJsonReply(kv().get("/v1/keys?prefix=with&suffix=e%2F2"), 200,
                          {{"keys", nlohmann::json::array({"with space/2"})}, {"next", nullptr}}));
}

TEST_F(ListingTest, MalformedEscapeInTheQueryIsBadRequest) {
  EXPECT_TRUE(IsErrorReply(kv().get("/v1/keys?prefix=%zz"), 400, "bad_request"));
  EXPECT_TRUE(IsErrorReply(kv().get("/v1/keys?after=a%2"), 400, "bad_request"));
}

// ---- values=true -----------------------------------------------------------------------------

nlohmann::json expected_items(const std::map<std::string, Entry>& entries,
                              const std::vector<std::string>& keys) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& key : keys) {
    const Entry& entry = entries.at(key);
    items.push_back(
        {{"key", key}, {"value", base64_encode(entry.value)}, {"version", entry.version}});
  }
  return items;
}

TEST_F(ListingTest, ValuesTrueReturnsItemsWithBase64ValueAndVersion) {
  const auto keys = matching("a/", "");
  const nlohmann::json expected_body = {{"items", expected_items(expected(), keys)},
                                        {"next", nullptr}};
  nlohmann::json page;
  ASSERT_TRUE(kv().list({{"prefix", "a/"}, {"values", "true"}}, &page));
  EXPECT_EQ(page, expected_body);
}

TEST_F(ListingTest, ValuesTrueShowsRewrittenVersionsAndBinaryValues) {
  const std::vector<std::string> keys = {dataset_key(0), dataset_key(7), dataset_key(500)};
  for (const auto& key : keys) {
    SCOPED_TRACE("key " + url_encode(key));
    nlohmann::json page;
    ASSERT_TRUE(kv().list({{"prefix", key}, {"suffix", key}, {"values", "true"}}, &page));
    EXPECT_EQ(page,
              (nlohmann::json{{"items", expected_items(expected(), {key})}, {"next", nullptr}}));
  }
  EXPECT_EQ(expected().at(dataset_key(0)).version, 3u);
  EXPECT_EQ(expected().at(dataset_key(7)).value, all_byte_values());
}

TEST_F(ListingTest, ValuesTruePagingCoversEveryKeyWithItsValue) {
  nlohmann::json collected = nlohmann::json::array();
  std::optional<std::string> after;
  for (int pages = 0; pages < 100; ++pages) {
    Params query = {{"values", "true"}, {"limit", "900"}};
    if (after) query.emplace_back("after", *after);
    nlohmann::json page;
    ASSERT_TRUE(kv().list(query, &page));
    ASSERT_TRUE(page.contains("items") && page["items"].is_array()) << page.dump().substr(0, 300);
    ASSERT_EQ(page.size(), 2u) << "expected exactly items and next";
    for (const auto& item : page["items"]) collected.push_back(item);
    if (page["next"].is_null()) break;
    after = page["next"].get<std::string>();
  }
  EXPECT_EQ(collected, expected_items(expected(), sorted_keys(expected())));
}

// values=true with large values: a page stops at the 16 MiB byte budget and says where to go on.
class ListingByteBudgetTest : public FreshNodeTest {};

TEST_F(ListingByteBudgetTest, LargeValuesArePagedByTheByteBudgetWithoutLosingAny) {
  constexpr int kKeys = 20;
  constexpr std::size_t kValueBytes = 1048576;
  std::vector<std::string> keys;
  std::vector<std::string> values;
  for (int i = 0; i < kKeys; ++i) {
    keys.push_back(numbered("big/", 100 + i));
    values.push_back(std::string(kValueBytes, static_cast<char>('a' + i)));
    ASSERT_TRUE(IsWriteReply(kv().put_key(keys.back(), values.back()), keys.back(), 1, true));
  }
  std::vector<std::string> seen_keys;
  std::optional<std::string> after;
  int pages = 0;
  for (; pages < 2 * kKeys; ++pages) {
    Params query = {{"values", "true"}, {"limit", "100"}};
    if (after) query.emplace_back("after", *after);
    nlohmann::json page;
    ASSERT_TRUE(kv().list(query, &page));
    ASSERT_TRUE(page["items"].is_array());
    if (pages == 0) {
      EXPECT_GE(page["items"].size(), 1u);
      EXPECT_LT(page["items"].size(), static_cast<std::size_t>(kKeys))
          << "20 MiB of values came back in one page despite the 16 MiB budget";
      EXPECT_TRUE(page["next"].is_string()) << "a page cut by the byte budget needs a next cursor";
    }
    for (const auto& item : page["items"]) {
      const auto index = seen_keys.size();
      ASSERT_LT(index, keys.size());
      EXPECT_EQ(item["key"], keys[index]);
      EXPECT_EQ(item["version"], 1);
      EXPECT_TRUE(item["value"].is_string() &&
                  base64_decode(item["value"].get<std::string>()) == values[index])
          << "value of " << keys[index];
      seen_keys.push_back(item["key"].get<std::string>());
    }
    if (page["next"].is_null()) break;
    after = page["next"].get<std::string>();
  }
  EXPECT_EQ(seen_keys, keys);
  EXPECT_GE(pages, 1);
}

}  // namespace
}  // namespace kvtest
