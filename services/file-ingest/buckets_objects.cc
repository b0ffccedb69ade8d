// BucketStore: object reads (StatByName, ListObjects).
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "services/file-ingest/buckets_store.h"
#include "services/file-ingest/manifest_rows.h"
#include "services/file-ingest/object_listing.h"
#include "shared/status/status.h"

namespace datamesh::file_ingest {
namespace {

using internal::kFileSelect;

// kFileSelect's columns and FROM without its leading "SELECT ", for DISTINCT ON.
const char* FileColumnsAndFrom() { return kFileSelect + std::strlen("SELECT "); }

bool OwnsBucket(pqxx::work& w, const std::string& owner_id, const std::string& bucket) {
  return !w.exec_params("SELECT 1 FROM files.buckets WHERE name = $1 AND owner_id = $2", bucket,
                        owner_id)
              .empty();
}

// Where the next range scan starts: after `name` (exclusive) or at it (inclusive).
struct Seek {
  std::string name;
  bool inclusive = true;
};

// Up to `limit` newest-per-name files of the owner from `seek` up to `end` (exclusive; none:
// no bound), in byte order. DISTINCT ON over the (owner, name "C", created_at DESC, id DESC)
// index: an ordered index range scan that keeps each name's first row.
pqxx::result ScanNames(pqxx::work& w, const std::string& owner_id, const Seek& seek,
                       const std::optional<std::string>& end, int limit) {
  const std::string sql =
      absl::StrCat("SELECT DISTINCT ON (f.name COLLATE \"C\") ", FileColumnsAndFrom(),
                   "WHERE f.owner_id = $1 AND f.name COLLATE \"C\" ", seek.inclusive ? ">=" : ">",
                   " $2 ", end.has_value() ? "AND f.name COLLATE \"C\" < $3 " : "AND $3 = $3 ",
                   "ORDER BY f.name COLLATE \"C\", f.created_at DESC, f.id DESC LIMIT $4");
  return w.exec_params(sql, owner_id, seek.name, end.value_or(""), limit);
}

// The first seek of a listing: the prefix's start, moved past start_after -- past the whole
// common prefix when start_after lies inside one. nullopt: nothing can follow.
std::optional<Seek> FirstSeek(const std::string& base, const ObjectQuery& q) {
  Seek seek{base + q.prefix, true};
  if (q.start_after.empty()) return seek;
  if (auto rolled = CommonPrefixOf(q.start_after, q.prefix, q.delimiter)) {
    std::optional<std::string> past = PrefixSuccessor(base + *rolled);
    if (!past.has_value()) return std::nullopt;
    if (*past > seek.name) seek = {*past, true};
    return seek;
  }
  const std::string after = base + q.start_after;
  if (after >= seek.name) seek = {after, false};
  return seek;
}

// Entries of a page in order, before it is cut to max_keys.
struct Entries {
  std::vector<FileRecord> objects;
  std::vector<std::string> prefixes;
  std::vector<std::string> keys;  // every entry's key or prefix, in order
  std::vector<bool> is_prefix;
};

}  // namespace

absl::StatusOr<FileRecord> BucketStore::StatByName(const std::string& owner_id,
                                                   const std::string& name) {
  absl::StatusOr<FileRecord> out = absl::NotFoundError("no such file");
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    pqxx::result r = w.exec_params(
        absl::StrCat(kFileSelect,
                     "WHERE f.owner_id = $1 AND f.name COLLATE \"C\" = $2 AND NOT EXISTS ("
                     "SELECT 1 FROM files.buckets b WHERE b.name = split_part($2, '/', 1) AND "
                     "b.owner_id <> $1) "
                     "ORDER BY f.name COLLATE \"C\", f.created_at DESC, f.id DESC LIMIT 1"),
        owner_id, name);
    out = r.empty() ? absl::StatusOr<FileRecord>(absl::NotFoundError("no such file"))
                    : internal::FileFromRow(r[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ObjectPage> BucketStore::ListObjects(const std::string& owner_id,
                                                    const ObjectQuery& q) {
  const std::string base = q.bucket + "/";
  const std::optional<std::string> end = PrefixSuccessor(base + q.prefix);
  const int want = std::clamp(q.max_keys, 1, 1000) + 1;  // one more tells is_truncated
  Entries e;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) -> absl::Status {
    e = Entries{};
    if (!OwnsBucket(w, owner_id, q.bucket)) return absl::NotFoundError("no such bucket");
    std::optional<Seek> seek = FirstSeek(base, q);
    // Batches grow while keys come one by one and restart small after a jump past a common
    // prefix, whose batch is mostly rows under that prefix and thrown away.
    int batch = 32;
    while (seek.has_value() && static_cast<int>(e.keys.size()) < want) {
      const int limit = std::min(batch, want - static_cast<int>(e.keys.size()));
      pqxx::result r = ScanNames(w, owner_id, *seek, end, limit);
      bool jumped = false;
      for (const pqxx::row& row : r) {
        const std::string name = row[2].as<std::string>();
        const std::string key = name.substr(base.size());
        if (auto rolled = CommonPrefixOf(key, q.prefix, q.delimiter)) {
          e.keys.push_back(*rolled);
          e.is_prefix.push_back(true);
          e.prefixes.push_back(*rolled);
          std::optional<std::string> past = PrefixSuccessor(base + *rolled);
          seek = past.has_value() ? std::optional<Seek>(Seek{*past, true}) : std::nullopt;
          jumped = true;
          break;
        }
        ASSIGN_OR_RETURN(FileRecord file, internal::FileFromRow(row));
        e.objects.push_back(std::move(file));
        e.keys.push_back(key);
        e.is_prefix.push_back(false);
        seek = Seek{name, false};
      }
      if (!jumped && static_cast<int>(r.size()) < limit) break;  // the range is exhausted
      batch = jumped ? 32 : std::min(batch * 4, 1024);
    }
    return absl::OkStatus();
  }));
  ObjectPage page;
  if (static_cast<int>(e.keys.size()) == want) {
    // The extra entry only proves there is more: drop it; the page ends at the one before.
    if (e.is_prefix.back()) {
      e.prefixes.pop_back();
    } else {
      e.objects.pop_back();
    }
    e.keys.pop_back();
    page.is_truncated = true;
    page.next_start_after = e.keys.back();
  }
  page.objects = std::move(e.objects);
  page.common_prefixes = std::move(e.prefixes);
  return page;
}

}  // namespace datamesh::file_ingest
