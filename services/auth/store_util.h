// Small helpers shared by the auth service's PostgreSQL stores: time and binary conversions
// between absl/std types and SQL parameters. Stateless: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "absl/time/time.h"

namespace datamesh::auth::internal {

// SQL fragment turning a bigint microseconds parameter into a timestamptz.
#define DM_AUTH_TS(param) "(timestamptz 'epoch' + (" param "::bigint) * interval '1 microsecond')"
// SQL expression reading a timestamptz column as bigint microseconds since the epoch.
#define DM_AUTH_MICROS(col) "(extract(epoch from " col ") * 1000000)::bigint"

inline int64_t ToMicros(absl::Time t) { return absl::ToUnixMicros(t); }
inline absl::Time FromMicros(int64_t micros) { return absl::FromUnixMicros(micros); }

inline pqxx::binarystring Bytes(const std::string& s) { return pqxx::binarystring(s); }
inline std::string BytesOf(const pqxx::field& f) {
  return f.is_null() ? std::string() : pqxx::binarystring(f).str();
}
inline std::optional<absl::Time> OptionalTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return FromMicros(f.as<int64_t>());
}

// Whether `id` looks like a canonical UUID (so it can be bound as a uuid parameter without
// PostgreSQL raising a syntax error). Case-insensitive.
inline bool IsUuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace datamesh::auth::internal
