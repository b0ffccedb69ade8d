#include "services/file-ingest/live_params.h"

#include "shared/status/status.h"

namespace datamesh::file_ingest {

absl::Status LiveCodec::Set(int k, int m) {
  const erasure::ErasureCodec* now = Get();
  if (now->data_shards() == k && now->parity_shards() == m) return absl::OkStatus();
  ASSIGN_OR_RETURN(const erasure::ErasureCodec* next, erasure::SharedCodecForId(now->id(), k, m));
  current_.store(next);
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, int64_t>> LiveParamStore::Load() {
  std::map<std::string, int64_t> out;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    out.clear();
    for (const pqxx::row& row : w.exec("SELECT key, value FROM files.live_parameters")) {
      out[row[0].as<std::string>()] = row[1].as<int64_t>();
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status LiveParamStore::Save(const std::map<std::string, int64_t>& values,
                                  const std::string& proposal_id) {
  return pool_.Transact([&](pqxx::work& w) {
    for (const auto& [key, value] : values) {
      w.exec_params(
          "INSERT INTO files.live_parameters (key, value, proposal_id) VALUES ($1, $2, $3) "
          "ON CONFLICT (key) DO UPDATE SET value = $2, proposal_id = $3, updated_at = now()",
          key, value, proposal_id);
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> LiveParamStore::Processed(const std::string& event_id) {
  bool processed = false;
  RETURN_IF_ERROR(pool_.Transact([&](pqxx::work& w) {
    processed = !w.exec_params("SELECT 1 FROM files.processed_events WHERE event_id = $1", event_id)
                     .empty();
    return absl::OkStatus();
  }));
  return processed;
}

absl::Status LiveParamStore::MarkProcessed(const std::string& event_id) {
  return pool_.Transact([&](pqxx::work& w) {
    w.exec_params(
        "INSERT INTO files.processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING",
        event_id);
    return absl::OkStatus();
  });
}

}  // namespace datamesh::file_ingest
