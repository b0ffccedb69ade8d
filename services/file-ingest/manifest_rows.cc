#include "services/file-ingest/manifest_rows.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "datamesh/file/v1/file.pb.h"

namespace datamesh::file_ingest::internal {
namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

std::string ShardJson(uint64_t segment, const ShardRecord& s) {
  return absl::StrCat("{\"g\":", segment, ",\"i\":", s.index, ",\"h\":", JsonString(s.shard_id),
                      ",\"n\":", JsonString(s.node.id), ",\"a\":", JsonString(s.node.address),
                      ",\"t\":", JsonString(ShardStateName(s.state)), "}");
}

}  // namespace

}  // namespace datamesh::file_ingest::internal

namespace datamesh::file_ingest {

std::string_view ShardStateName(ShardState state) {
  switch (state) {
    case ShardState::kWriting:
      return "writing";
    case ShardState::kMissing:
      return "missing";
    case ShardState::kStored:
      break;
  }
  return "stored";
}

ShardState ShardStateFromName(std::string_view name) {
  if (name == "writing") return ShardState::kWriting;
  if (name == "missing") return ShardState::kMissing;
  return ShardState::kStored;
}

}  // namespace datamesh::file_ingest

namespace datamesh::file_ingest::internal {

const char kContentColumns[] =
    "c.id, c.owner_id, c.size, c.sha256, c.merkle_root, c.wrapped_key, c.key_version, "
    "c.nonce_prefix, c.codec_id, c.data_shards, c.parity_shards, c.segment_size, c.inline_data, "
    "c.inline_compressed";

const char kFileSelect[] =
    "SELECT f.id, f.owner_id, f.name, f.content_type, jsonb_build_object('tags', f.tags)::text, "
    "f.encryption, (extract(epoch FROM f.created_at) * 1000000)::bigint, "
    "(extract(epoch FROM f.updated_at) * 1000000)::bigint, f.md5, "
    "jsonb_build_object('tags', f.object_metadata)::text, "
    "c.id, c.owner_id, c.size, c.sha256, c.merkle_root, c.wrapped_key, c.key_version, "
    "c.nonce_prefix, c.codec_id, c.data_shards, c.parity_shards, c.segment_size, c.inline_data, "
    "c.inline_compressed "
    "FROM files.files f JOIN files.contents c ON c.id = f.content_id ";

ContentRecord ContentFromRow(const pqxx::row& row, int first) {
  ContentRecord c;
  c.id = row[first].as<std::string>();
  c.owner_id = row[first + 1].as<std::string>();
  c.size = row[first + 2].as<uint64_t>();
  c.sha256 = row[first + 3].as<std::string>();
  c.merkle_root = row[first + 4].as<std::string>();
  c.wrapped_key = pqxx::binarystring(row[first + 5]).str();
  c.key_version = row[first + 6].as<uint32_t>();
  c.nonce_prefix = pqxx::binarystring(row[first + 7]).str();
  c.codec_id = row[first + 8].as<std::string>();
  c.data_shards = row[first + 9].as<int>();
  c.parity_shards = row[first + 10].as<int>();
  c.segment_size = row[first + 11].as<uint64_t>();
  if (!row[first + 12].is_null()) c.inline_data = pqxx::binarystring(row[first + 12]).str();
  c.inline_compressed = row[first + 13].as<bool>();
  return c;
}

absl::StatusOr<FileRecord> FileFromRow(const pqxx::row& row) {
  FileRecord f;
  f.id = row[0].as<std::string>();
  f.owner_id = row[1].as<std::string>();
  f.name = row[2].as<std::string>();
  f.content_type = row[3].as<std::string>();
  auto tags = TagsFromJson(row[4].as<std::string>());
  if (!tags.ok()) return tags.status();
  f.tags = std::move(*tags);
  f.encryption = row[5].as<std::string>();
  f.created_at = absl::FromUnixMicros(row[6].as<int64_t>());
  f.updated_at = absl::FromUnixMicros(row[7].as<int64_t>());
  f.md5 = row[8].as<std::string>();
  // Kept in the tags' JSON shape ({"tags": {...}}), so one conversion serves both maps.
  auto metadata = TagsFromJson(row[9].as<std::string>());
  if (!metadata.ok()) return metadata.status();
  f.object_metadata = std::move(*metadata);
  f.content = ContentFromRow(row, kFileColumnCount);
  return f;
}

absl::StatusOr<std::string> TagsToJson(const std::map<std::string, std::string>& tags) {
  file::v1::File holder;
  holder.mutable_tags()->insert(tags.begin(), tags.end());
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(holder, &json);
  if (!status.ok()) return absl::InvalidArgumentError("tags are not valid UTF-8");
  return json;
}

absl::StatusOr<std::map<std::string, std::string>> TagsFromJson(const std::string& json) {
  // Most files have no tags and no object metadata: skip the JSON parser for them (listings
  // read two such maps per row).
  if (json == "{\"tags\": {}}") return std::map<std::string, std::string>();
  file::v1::File holder;
  auto status = google::protobuf::util::JsonStringToMessage(json, &holder);
  if (!status.ok()) return absl::InternalError("stored tags do not parse");
  return std::map<std::string, std::string>(holder.tags().begin(), holder.tags().end());
}

std::string SegmentsJson(const std::vector<SegmentRecord>& segments) {
  std::string out = "[";
  for (const SegmentRecord& s : segments) {
    if (out.size() > 1) out.push_back(',');
    absl::StrAppend(&out, "{\"i\":", s.index, ",\"p\":", s.plain_size, ",\"s\":", s.stored_size,
                    ",\"c\":", s.compressed ? "true" : "false", ",\"z\":", s.shard_size,
                    ",\"h\":", JsonString(s.plain_sha256), "}");
  }
  return out + "]";
}

std::string ShardsJson(const std::vector<SegmentRecord>& segments) {
  std::string out = "[";
  for (const SegmentRecord& seg : segments) {
    for (const ShardRecord& s : seg.shards) {
      if (out.size() > 1) out.push_back(',');
      out += ShardJson(seg.index, s);
    }
  }
  return out + "]";
}

std::string ShardListJson(const std::vector<ShardRecord>& shards) {
  std::string out = "[";
  for (const ShardRecord& s : shards) {
    if (out.size() > 1) out.push_back(',');
    out += ShardJson(0, s);
  }
  return out + "]";
}

void SettleWritingShards(pqxx::work& w, const std::vector<SettledShard>& settled) {
  if (settled.empty()) return;
  std::string json = "[";
  for (const SettledShard& s : settled) {
    if (json.size() > 1) json.push_back(',');
    absl::StrAppend(&json, "{\"c\":", JsonString(s.content_id), ",\"g\":", s.segment_index,
                    ",\"i\":", s.shard_index, ",\"n\":", JsonString(s.node_id),
                    ",\"w\":", s.written ? "true" : "false", "}");
  }
  json.push_back(']');
  w.exec_params(
      "UPDATE files.shards s SET state = CASE WHEN x.w THEN 'stored' ELSE 'missing' END, "
      "node_id = CASE WHEN x.w THEN s.node_id ELSE '' END, "
      "node_address = CASE WHEN x.w THEN s.node_address ELSE '' END "
      "FROM jsonb_to_recordset($1::jsonb) AS x(c text, g bigint, i integer, n text, w boolean) "
      "WHERE s.content_id = x.c AND s.segment_idx = x.g AND s.shard_idx = x.i AND "
      "s.node_id = x.n AND s.state = 'writing'",
      json);
}

}  // namespace datamesh::file_ingest::internal
