// Internal to MaintenanceRunner: a job's counters, written to its row now and then (which
// also tells other replicas the job is alive).
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/file-ingest/maintenance.h"

namespace datamesh::file_ingest {

struct MaintenanceRunner::Progress {
  Progress(MaintenanceStore& store, std::string job_id) : store_(store), id_(std::move(job_id)) {}

  // Writes the counters when the last write is older than a second.
  void Beat() {
    if (absl::Now() - last_ < absl::Seconds(1)) return;
    last_ = absl::Now();
    (void)store_.UpdateProgress(id_, examined, fixed);
  }
  std::string Summary() const {
    return absl::StrCat(examined, " examined, ", fixed, " fixed, ", failed, " failed", detail);
  }

  const std::string& job_id() const { return id_; }

  uint64_t examined = 0;
  uint64_t fixed = 0;
  uint64_t failed = 0;
  std::string detail;  // appended to the summary, e.g. bytes re-encoded

 private:
  MaintenanceStore& store_;
  const std::string id_;
  absl::Time last_ = absl::InfinitePast();
};

}  // namespace datamesh::file_ingest
