// Reads of closed and open epochs and of operators' paystubs, for ListEpochs and ListPaystubs.
//
// Thread-compatible (as the pqxx::work passed in).
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace datamesh::governance::epochs {

struct EpochRow {
  int64_t number = 0;
  absl::Time starts_at, ends_at;
  std::string state;
  std::optional<absl::Time> closed_at;
  int64_t issuance = 0, distributed = 0, remainder = 0;
};

struct PaystubRow {
  int64_t epoch = 0;
  std::string operator_id, account_id;
  int node_count = 0;
  std::string byte_seconds;  // decimal
  int64_t uptime_ppm = 0, score_ppm = 0;
  int64_t earned = 0, paid = 0, held = 0, released = 0, forfeited = 0, slashed = 0;
};

// Epochs with number < before (all when before is empty), newest first, at most `limit`.
std::vector<EpochRow> ListEpochRows(pqxx::work& tx, std::optional<int64_t> before, int limit);

// `operator_id`'s paystubs with epoch < before, newest first, at most `limit`.
std::vector<PaystubRow> ListPaystubRows(pqxx::work& tx, const std::string& operator_id,
                                        std::optional<int64_t> before, int limit);

// The account of an operator; nullopt when there is no such operator.
std::optional<std::string> OperatorAccount(pqxx::work& tx, const std::string& operator_id);

}  // namespace datamesh::governance::epochs
