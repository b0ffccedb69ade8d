#include "services/governance/params/param_registry.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"

namespace datamesh::governance::params {
namespace {

constexpr double kMaxTokens = 9e15;                  // micro-tokens: 9 billion tokens
constexpr double kMaxBytes = 4611686018427387904.0;  // 2^62, quota's largest size
constexpr double kDay = 86400;

ParamSpec Num(ParamType type, std::string key, std::string owner, double min, double max,
              std::string description) {
  return {std::move(key), type, std::move(owner), min, max, {}, std::move(description)};
}

std::vector<ParamSpec> BuildSpecs() {
  const ParamType i = ParamType::kInt, r = ParamType::kReal, b = ParamType::kBytesOrNull;
  const std::string g = kOwnerGovernance, q = kOwnerQuota, f = kOwnerFileIngest;
  std::vector<ParamSpec> s = {
      Num(r, "voting.quorum", g, 0.01, 1.0,
          "share of all snapshotted voting power that must vote for a result to count"),
      Num(r, "voting.threshold", g, 0.01, 0.99,
          "share of yes among yes + no + veto a proposal must exceed to pass"),
      Num(r, "voting.vetoThreshold", g, 0.01, 1.0,
          "share of all votes cast at or above which veto rejects and burns the deposit"),
      Num(i, "voting.periodSeconds", g, 3600, 30 * kDay,
          "default voting period, seconds (1 hour - 30 days)"),
      Num(i, "voting.depositTokens", g, 0, kMaxTokens,
          "deposit a proposer escrows, micro-tokens; refunded unless vetoed"),
      Num(i, "voting.minimumProposerStake", g, 0, kMaxTokens,
          "staked micro-tokens an account needs to propose"),
      Num(i, "proposal.enactmentDelaySeconds", g, 0, 30 * kDay,
          "seconds between a proposal passing and its execution"),
      Num(i, "proposal.gracePeriodSeconds", g, 3600, 90 * kDay,
          "seconds a passed proposal may wait for execution before it expires"),
      Num(i, "stake.minimumOperator", g, 0, kMaxTokens, "micro-tokens an operator must bond"),
      Num(i, "stake.unbondingSeconds", g, 0, 90 * kDay,
          "seconds unbonding stake waits (still slashable) before it is available"),
      {"admission.mode",
       ParamType::kString,
       g,
       std::nullopt,
       std::nullopt,
       {"open", "stake", "proposal"},
       "which storage nodes receive data: all, those of operators bonded at least "
       "stake.minimumOperator, or those admitted by proposal"},
      Num(i, "genesis.supply", g, 0, kMaxTokens,
          "micro-tokens the mint issues to the treasury at the first start (read once)"),
      // Audits and reputation (audits/; migration 0005).
      Num(r, "audit.lambda", g, 0.5, 0.9999,
          "forgetting factor of the beta reputation: each audit keeps this share of the past"),
      Num(r, "audit.weight", g, 0.01, 100, "weight of one audit result in the reputation"),
      Num(r, "audit.disqualifyBelow", g, 0, 1,
          "audit score under which a storage node is disqualified (final)"),
      Num(i, "audit.disqualifySlashPpm", g, 0, 1e6,
          "share of its operator's stake slashed when a node is disqualified, parts per million"),
      Num(i, "vetting.auditsRequired", g, 0, 1e6,
          "successful audits after which a new storage node is vetted"),
      // Epochs, rewards, penalties and prices (epochs/, billing/; migration 0006).
      Num(i, "epoch.lengthSeconds", g, 1, 90 * kDay, "seconds of one rewards epoch"),
      Num(i, "rewards.epochIssuance", g, 0, kMaxTokens,
          "micro-tokens the mint issues into the rewards pool at each epoch's close"),
      Num(i, "rewards.heldBackPpm", g, 0, 1e6,
          "share of a new operator's reward held back, parts per million"),
      Num(i, "rewards.heldBackStepEpochs", g, 1, 1000,
          "epochs of an operator's life per step of the held-back share (3 steps down to 0)"),
      Num(i, "rewards.heldBackEpochs", g, 0, 1000,
          "epochs a held-back reward waits before it is released"),
      Num(i, "penalty.minUptimePpm", g, 0, 1e6,
          "uptime in an epoch, parts per million, under which an operator's stake is slashed"),
      Num(i, "penalty.downtimeSlashPpm", g, 0, 1e6,
          "share of its stake an operator loses for an epoch under penalty.minUptimePpm"),
      Num(i, "fees.rewardsSharePpm", g, 0, 1e6,
          "share of every invoice payment that goes to the rewards pool (the rest to fees)"),
      Num(i, "price.storagePerGbMonth", g, 0, kMaxTokens,
          "price of one GB stored for a 30-day month, micro-tokens"),
      Num(i, "price.egressPerGb", g, 0, kMaxTokens, "price of one GB downloaded, micro-tokens"),
      Num(i, "price.apiCallsPerThousand", g, 0, kMaxTokens,
          "price of one thousand API calls, micro-tokens"),
      Num(i, "price.subscription.*", g, 0, kMaxTokens,
          "the tier's subscription price per month, micro-tokens"),
      // dht's vetting of new nodes (migration 0007; services/dht/placement.h).
      Num(r, "vetting.placementShare", kOwnerDht, 0.0, 1.0,
          "share of placements (by segment) in which unvetted storage nodes take part; in the "
          "others they only fill in when too few vetted nodes have room"),
      Num(i, "erasure.dataShards", f, 1, 32, "data shards k per segment of new uploads"),
      Num(i, "audit.ratePerMinute", f, 0, 60000,
          "segments file-ingest audits per minute (0: no audits); applied live"),
      Num(i, "erasure.parityShards", f, 1, 16,
          "parity shards m per segment of new uploads (node losses tolerated)"),
      Num(b, "tier.*.storageBytes", q, 0, kMaxBytes,
          "the tier's storage limit, bytes (null: unlimited)"),
      Num(b, "tier.*.bandwidthBytesMonth", q, 0, kMaxBytes,
          "the tier's download bytes per calendar month (null: unlimited)"),
      Num(b, "tier.*.apiCallsHour", q, 0, kMaxBytes,
          "the tier's API calls per hour (null: unlimited)"),
      Num(i, "tier.*.monthlyFee", q, 0, kMaxTokens,
          "the tier's subscription price per month, micro-units"),
      Num(i, "tier.*.storageGbMonthPrice", q, 0, kMaxTokens,
          "the tier's price per GB-month stored, micro-units"),
      Num(i, "tier.*.bandwidthGbPrice", q, 0, kMaxTokens,
          "the tier's price per GB downloaded, micro-units"),
  };
  std::sort(s.begin(), s.end(),
            [](const ParamSpec& x, const ParamSpec& y) { return x.key < y.key; });
  return s;
}

bool IsTierName(const std::string& s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_' && c != '-') return false;
  }
  return true;
}

bool Matches(const std::string& pattern, const std::string& key) {
  std::vector<std::string> p = absl::StrSplit(pattern, '.');
  std::vector<std::string> k = absl::StrSplit(key, '.');
  if (p.size() != k.size()) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == "*" ? !IsTierName(k[i]) : p[i] != k[i]) return false;
  }
  return true;
}

// An integer from a JSON number (integral, exact below 2^53) or a decimal string.
absl::StatusOr<int64_t> ParseInt(const std::string& key, const google::protobuf::Value& v) {
  if (v.kind_case() == google::protobuf::Value::kNumberValue) {
    const double d = v.number_value();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) <= 9007199254740992.0) {
      return static_cast<int64_t>(d);
    }
  } else if (v.kind_case() == google::protobuf::Value::kStringValue) {
    int64_t n = 0;
    const std::string& s = v.string_value();
    if (!s.empty() && s.size() <= 19 && absl::ascii_isdigit(s[0]) && absl::SimpleAtoi(s, &n)) {
      return n;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(key, " must be an integer (a JSON number or a decimal string)"));
}

absl::Status CheckBounds(const ParamSpec& spec, const std::string& key, long double x) {
  if ((spec.minimum && x < *spec.minimum) || (spec.maximum && x > *spec.maximum)) {
    return absl::InvalidArgumentError(absl::StrCat(
        key, " is out of bounds [", spec.minimum.value_or(0), ", ", spec.maximum.value_or(0), "]"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Value& v) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(v, &out).ok()) {
    return absl::InvalidArgumentError("value cannot be written as JSON");
  }
  return out;
}

}  // namespace

const char* TypeName(ParamType type) {
  switch (type) {
    case ParamType::kInt: return "int";
    case ParamType::kReal: return "real";
    case ParamType::kString: return "string";
    case ParamType::kBytesOrNull: return "bytes_or_null";
  }
  return "unknown";
}

const std::vector<ParamSpec>& AllSpecs() {
  static const auto* specs = new std::vector<ParamSpec>(BuildSpecs());
  return *specs;
}

absl::StatusOr<ParamSpec> SpecFor(const std::string& key) {
  for (const ParamSpec& spec : AllSpecs()) {
    if (Matches(spec.key, key)) return spec;
  }
  return absl::NotFoundError("unknown parameter " + key);
}

absl::StatusOr<std::string> ValidateValue(const std::string& key,
                                          const google::protobuf::Value& value) {
  absl::StatusOr<ParamSpec> found = SpecFor(key);
  if (!found.ok()) return absl::InvalidArgumentError(found.status().message());
  const ParamSpec& spec = *found;
  switch (spec.type) {
    case ParamType::kBytesOrNull:
      if (value.kind_case() == google::protobuf::Value::kNullValue) return std::string("null");
      [[fallthrough]];
    case ParamType::kInt: {
      absl::StatusOr<int64_t> n = ParseInt(key, value);
      if (!n.ok()) return n.status();
      if (absl::Status s = CheckBounds(spec, key, *n); !s.ok()) return s;
      return std::to_string(*n);
    }
    case ParamType::kReal: {
      if (value.kind_case() != google::protobuf::Value::kNumberValue ||
          !std::isfinite(value.number_value())) {
        return absl::InvalidArgumentError(key + " must be a number");
      }
      if (absl::Status s = CheckBounds(spec, key, value.number_value()); !s.ok()) return s;
      return ToJson(value);
    }
    case ParamType::kString: {
      if (value.kind_case() != google::protobuf::Value::kStringValue) {
        return absl::InvalidArgumentError(key + " must be a string");
      }
      const auto& allowed = spec.allowed_values;
      if (!allowed.empty() &&
          std::find(allowed.begin(), allowed.end(), value.string_value()) == allowed.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat(key, " must be one of: ", absl::StrJoin(allowed, ", ")));
      }
      return ToJson(value);
    }
  }
  return absl::InternalError("unhandled parameter type");
}

absl::StatusOr<google::protobuf::Value> ValueFromJson(const std::string& json) {
  google::protobuf::Value v;
  if (!google::protobuf::util::JsonStringToMessage(json, &v).ok()) {
    return absl::DataLossError("stored parameter value is not JSON: " + json);
  }
  return v;
}

}  // namespace datamesh::governance::params
