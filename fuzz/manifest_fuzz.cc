// Fuzz target: how file-ingest writes a manifest's rows and rebuilds them from what PostgreSQL
// returns (services/file-ingest/manifest_rows.h): the tags column read back from its stored
// JSON, and the JSON documents the segment and shard rows are inserted from.
//
// Input (text):
//   line 1: the stored tags document, as `jsonb_build_object('tags', f.tags)::text` returns it
//   each further line: a string (made valid UTF-8, as every protobuf string is), used in turn
//           as tag keys and values, shard ids, node ids and addresses, and segment hashes; the
//           numbers in a line are its segment's sizes
//
// Invariants: stored tags that parse print back to a document that parses to the same tags
// (refusals are INTERNAL); tags written by TagsToJson read back the same; the segment and shard
// documents are valid JSON holding exactly the records' values.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.h"
#include "services/file-ingest/manifest.h"
#include "services/file-ingest/manifest_rows.h"
#include "shared/text/utf8.h"

namespace {

namespace fi = datamesh::file_ingest;
using nlohmann::json;

void CheckStoredTags(const std::string& stored) {
  absl::StatusOr<std::map<std::string, std::string>> tags = fi::internal::TagsFromJson(stored);
  if (!tags.ok()) {
    FUZZ_CHECK(tags.status().code() == absl::StatusCode::kInternal);
    return;
  }
  absl::StatusOr<std::string> printed = fi::internal::TagsToJson(*tags);
  FUZZ_CHECK(printed.ok());
  absl::StatusOr<std::map<std::string, std::string>> again = fi::internal::TagsFromJson(*printed);
  FUZZ_CHECK(again.ok() && *again == *tags);
}

json ParseJson(const std::string& text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!parsed.is_discarded() && parsed.is_array());
  return parsed;
}

// True when `row` has `key` and it equals `value`.
template <typename T>
bool Has(const json& row, const char* key, const T& value) {
  return row.is_object() && row.contains(key) && row.at(key) == value;
}

// The columns this harness knows; rows may carry more.
void CheckShard(const json& row, uint64_t segment, const fi::ShardRecord& shard) {
  FUZZ_CHECK(Has(row, "g", segment) && Has(row, "i", shard.index));
  FUZZ_CHECK(Has(row, "h", shard.shard_id));
  FUZZ_CHECK(Has(row, "n", shard.node.id) && Has(row, "a", shard.node.address));
}

void CheckRows(const std::vector<fi::SegmentRecord>& segments) {
  const json segment_rows = ParseJson(fi::internal::SegmentsJson(segments));
  FUZZ_CHECK(segment_rows.size() == segments.size());
  std::vector<fi::ShardRecord> all_shards;
  for (size_t i = 0; i < segments.size(); ++i) {
    const json& row = segment_rows[i];
    const fi::SegmentRecord& s = segments[i];
    FUZZ_CHECK(Has(row, "i", s.index) && Has(row, "p", s.plain_size));
    FUZZ_CHECK(Has(row, "s", s.stored_size) && Has(row, "c", s.compressed));
    FUZZ_CHECK(Has(row, "z", s.shard_size) && Has(row, "h", s.plain_sha256));
    all_shards.insert(all_shards.end(), s.shards.begin(), s.shards.end());
  }
  const json shard_rows = ParseJson(fi::internal::ShardsJson(segments));
  FUZZ_CHECK(shard_rows.size() == all_shards.size());
  size_t n = 0;
  for (const fi::SegmentRecord& s : segments) {
    for (const fi::ShardRecord& shard : s.shards) CheckShard(shard_rows[n++], s.index, shard);
  }
  const json list_rows = ParseJson(fi::internal::ShardListJson(all_shards));
  FUZZ_CHECK(list_rows.size() == all_shards.size());
  for (size_t i = 0; i < all_shards.size(); ++i) CheckShard(list_rows[i], 0, all_shards[i]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = datamesh::fuzz::AsText(data, size);
  CheckStoredTags(std::string(datamesh::fuzz::TakeLine(text)));

  std::vector<std::string> strings;
  std::vector<fi::SegmentRecord> segments;
  while (!text.empty()) {
    const std::string_view line = datamesh::fuzz::TakeLine(text);
    strings.push_back(datamesh::text::ToValidUtf8(line));
    const std::vector<uint64_t> numbers = datamesh::fuzz::Numbers(line, UINT64_MAX);
    fi::SegmentRecord segment;
    segment.index = segments.size();
    segment.plain_size = numbers.size() > 0 ? numbers[0] : 0;
    segment.stored_size = numbers.size() > 1 ? numbers[1] : 0;
    segment.shard_size = numbers.size() > 2 ? numbers[2] : 0;
    segment.compressed = numbers.size() % 2 == 1;
    segment.plain_sha256 = strings.back();
    segments.push_back(std::move(segment));
  }
  // Shards of each segment name the strings around it.
  for (size_t i = 0; i < segments.size(); ++i) {
    for (int j = 0; j < 3; ++j) {
      const std::string& id = strings[(i + j) % strings.size()];
      const std::string& address = strings[(i + j + 1) % strings.size()];
      segments[i].shards.push_back({j, id, {id, address}});
    }
  }

  std::map<std::string, std::string> tags;
  for (size_t i = 0; i + 1 < strings.size(); i += 2) tags.emplace(strings[i], strings[i + 1]);
  absl::StatusOr<std::string> stored = fi::internal::TagsToJson(tags);
  FUZZ_CHECK(stored.ok());
  absl::StatusOr<std::map<std::string, std::string>> read = fi::internal::TagsFromJson(*stored);
  FUZZ_CHECK(read.ok() && *read == tags);

  CheckRows(segments);
  return 0;
}
