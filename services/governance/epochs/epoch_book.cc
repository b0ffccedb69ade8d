#include "services/governance/epochs/epoch_book.h"

namespace datamesh::governance::epochs {
namespace {

absl::Time At(const pqxx::field& f) {
  return absl::FromUnixMicros(static_cast<int64_t>(f.as<double>() * 1e6));
}

}  // namespace

std::vector<EpochRow> ListEpochRows(pqxx::work& tx, std::optional<int64_t> before, int limit) {
  std::vector<EpochRow> out;
  for (const pqxx::row& r : tx.exec_params(
           "SELECT number, extract(epoch FROM starts_at)::float8, "
           "extract(epoch FROM ends_at)::float8, state, extract(epoch FROM closed_at)::float8, "
           "issuance, distributed, remainder FROM governance.epochs "
           "WHERE number < $1 ORDER BY number DESC LIMIT $2",
           before.value_or(INT64_MAX), limit)) {
    EpochRow e;
    e.number = r[0].as<int64_t>();
    e.starts_at = At(r[1]);
    e.ends_at = At(r[2]);
    e.state = r[3].as<std::string>();
    if (!r[4].is_null()) e.closed_at = At(r[4]);
    e.issuance = r[5].as<int64_t>();
    e.distributed = r[6].as<int64_t>();
    e.remainder = r[7].as<int64_t>();
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<PaystubRow> ListPaystubRows(pqxx::work& tx, const std::string& operator_id,
                                        std::optional<int64_t> before, int limit) {
  std::vector<PaystubRow> out;
  for (const pqxx::row& r : tx.exec_params(
           "SELECT epoch, operator_id, account_id, node_count, byte_seconds::text, uptime_ppm, "
           "score_ppm, earned, paid, held, released, forfeited, slashed "
           "FROM governance.paystubs WHERE operator_id = $1 AND epoch < $2 "
           "ORDER BY epoch DESC LIMIT $3",
           operator_id, before.value_or(INT64_MAX), limit)) {
    PaystubRow p;
    p.epoch = r[0].as<int64_t>();
    p.operator_id = r[1].as<std::string>();
    p.account_id = r[2].as<std::string>();
    p.node_count = r[3].as<int>();
    p.byte_seconds = r[4].as<std::string>();
    p.uptime_ppm = r[5].as<int64_t>();
    p.score_ppm = r[6].as<int64_t>();
    p.earned = r[7].as<int64_t>();
    p.paid = r[8].as<int64_t>();
    p.held = r[9].as<int64_t>();
    p.released = r[10].as<int64_t>();
    p.forfeited = r[11].as<int64_t>();
    p.slashed = r[12].as<int64_t>();
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<std::string> OperatorAccount(pqxx::work& tx, const std::string& operator_id) {
  pqxx::result r =
      tx.exec_params("SELECT account_id FROM governance.operators WHERE id = $1", operator_id);
  if (r.empty()) return std::nullopt;
  return r[0][0].as<std::string>();
}

}  // namespace datamesh::governance::epochs
