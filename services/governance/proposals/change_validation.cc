#include "services/governance/proposals/change_validation.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/governance/params/param_registry.h"

namespace datamesh::governance::proposals {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

constexpr size_t kMaxParameters = 32;

absl::Status OnlyKeys(const Struct& change, std::initializer_list<const char*> keys) {
  for (const auto& [key, value] : change.fields()) {
    bool known = false;
    for (const char* k : keys) known = known || key == k;
    if (!known) return absl::InvalidArgumentError("unexpected key in change: " + key);
  }
  for (const char* k : keys) {
    if (!change.fields().contains(k)) {
      return absl::InvalidArgumentError(absl::StrCat("change needs \"", k, "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> IdField(const Struct& change, const char* key) {
  const Value& v = change.fields().at(key);
  if (v.kind_case() != Value::kStringValue || !IsValidId(v.string_value())) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", key, "\" must be an id (1-128 of A-Z a-z 0-9 _ . : -)"));
  }
  return v.string_value();
}

// A positive micro-token amount: an integral JSON number (exact below 2^53) or a decimal
// string (the proto's JSON form of uint64).
absl::StatusOr<int64_t> AmountField(const Value& v) {
  int64_t n = 0;
  if (v.kind_case() == Value::kNumberValue) {
    const double d = v.number_value();
    if (std::isfinite(d) && d == std::trunc(d) && d > 0 && d <= 9007199254740992.0) {
      return static_cast<int64_t>(d);
    }
  } else if (v.kind_case() == Value::kStringValue) {
    const std::string& s = v.string_value();
    if (!s.empty() && s.size() <= 18 && absl::ascii_isdigit(s[0]) && absl::SimpleAtoi(s, &n) &&
        n > 0) {
      return n;
    }
  }
  return absl::InvalidArgumentError("\"amount\" must be a positive integer of micro-tokens");
}

absl::StatusOr<ValidatedChange> ValidateParameters(const Struct& change) {
  if (change.fields().empty()) {
    return absl::InvalidArgumentError("a parameter change needs at least one key");
  }
  if (change.fields().size() > kMaxParameters) {
    return absl::InvalidArgumentError("a parameter change sets at most 32 keys");
  }
  ValidatedChange out;
  for (const auto& [key, value] : change.fields()) {
    absl::StatusOr<std::string> json = params::ValidateValue(key, value);
    if (!json.ok()) return json.status();
    out.parameters.emplace_back(key, *json);
  }
  std::sort(out.parameters.begin(), out.parameters.end());
  return out;
}

}  // namespace

bool IsValidId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != ':' && c != '-') return false;
  }
  return true;
}

absl::StatusOr<ValidatedChange> ValidateChange(const std::string& type, const Struct& change) {
  ValidatedChange out;
  if (type == kParameterChange) return ValidateParameters(change);
  if (type == kOperatorAdmission || type == kOperatorRemoval) {
    if (absl::Status s = OnlyKeys(change, {"operatorId"}); !s.ok()) return s;
    absl::StatusOr<std::string> id = IdField(change, "operatorId");
    if (!id.ok()) return id.status();
    out.operator_id = *id;
    return out;
  }
  if (type == kTreasurySpend) {
    if (absl::Status s = OnlyKeys(change, {"accountId", "amount"}); !s.ok()) return s;
    absl::StatusOr<std::string> id = IdField(change, "accountId");
    if (!id.ok()) return id.status();
    absl::StatusOr<int64_t> amount = AmountField(change.fields().at("amount"));
    if (!amount.ok()) return amount.status();
    out.account_id = *id;
    out.amount = *amount;
    return out;
  }
  if (type == kText) {
    if (!change.fields().empty())
      return absl::InvalidArgumentError("a text proposal changes nothing");
    return out;
  }
  return absl::InvalidArgumentError("unknown proposal type: " + type);
}

std::set<std::string> ExternalOwners(const std::string& type, const ValidatedChange& change) {
  std::set<std::string> owners;
  for (const auto& [key, json] : change.parameters) {
    absl::StatusOr<params::ParamSpec> spec = params::SpecFor(key);
    if (spec.ok() && spec->owner != params::kOwnerGovernance) owners.insert(spec->owner);
  }
  return owners;
}

}  // namespace datamesh::governance::proposals
