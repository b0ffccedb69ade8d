// The typed registry of governable parameters: for every key (or key pattern, for quota's
// tiers) its type, owning service, bounds and meaning. Values live in governance.parameters;
// this file decides which values a proposal may set.
//
// Values travel as JSON (google.protobuf.Value in proposals, jsonb in SQL). Integers must be
// integral JSON numbers up to 2^53 or decimal strings (so micro-token amounts beyond 2^53 stay
// exact); reals are JSON numbers; strings JSON strings; "bytes_or_null" an integer or null
// (unlimited).
//
// Thread-safe: the registry is immutable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"

namespace datamesh::governance::params {

enum class ParamType { kInt, kReal, kString, kBytesOrNull };

inline constexpr const char* kOwnerGovernance = "governance";
inline constexpr const char* kOwnerQuota = "quota";
inline constexpr const char* kOwnerFileIngest = "file-ingest";
inline constexpr const char* kOwnerDht = "dht";

struct ParamSpec {
  // The key, or a pattern with one "*" segment standing for a tier name ("tier.*.apiCallsHour").
  std::string key;
  ParamType type = ParamType::kInt;
  std::string owner;
  std::optional<double> minimum;  // numbers only
  std::optional<double> maximum;
  std::vector<std::string> allowed_values;  // strings with a fixed set of values
  std::string description;
};

// "int", "real", "string", "bytes_or_null".
const char* TypeName(ParamType type);

// Every spec, ordered by key.
const std::vector<ParamSpec>& AllSpecs();

// The spec governing `key` (patterns matched by segment; a tier name is 1-32 of [a-z0-9_-]).
// NOT_FOUND when no spec matches.
absl::StatusOr<ParamSpec> SpecFor(const std::string& key);

// Checks `value` against the spec of `key`: INVALID_ARGUMENT for an unknown key, a value of
// the wrong type, or one out of bounds. Returns the value normalised to its JSON text for
// governance.parameters ("42", "0.334", "\"open\"", "null").
absl::StatusOr<std::string> ValidateValue(const std::string& key,
                                          const google::protobuf::Value& value);

// The JSON text of a stored value as a protobuf Value.
absl::StatusOr<google::protobuf::Value> ValueFromJson(const std::string& json);

}  // namespace datamesh::governance::params
