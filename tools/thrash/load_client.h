// One client of the load generator: its own user account (registered through the gateway, put
// on the enterprise tier by the admin so no limit gets in the way), a thread of uploads,
// downloads (whole and ranged, every byte checked), deletes and checks that deleted files stay
// gone, and the record of every file it touched. Failures the contract allows (a clear error
// while a fault is on) are tallied; broken promises are violations:
//   - a 2xx download carrying a wrong byte, or ending short without a transport error;
//   - an acknowledged, undeleted file answering 404; a deleted one answering 2xx;
//   - an upload acknowledged with a size or SHA-256 other than what was sent;
//   - an error without the JSON error body, or an answerless failure of anything but a
//     download (where a cut-off transfer is the visible error a truncated body must be).
//
// Not thread-safe: Run() on one thread; the accessors once it returned.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/thrash/content.h"
#include "tools/thrash/gateway_client.h"
#include "tools/thrash/load_plan.h"
#include "tools/thrash/tally.h"

namespace datamesh::thrash {

struct LoadOptions {
  uint64_t seed = 0;
  std::string run_tag;  // in user names, so runs on one stack never collide
  int max_live_files = 40;
  int big_percent = 3;
  int upload_attempts = 3;  // per file: the first and its retries after a retryable error
};

enum class FileState {
  kLive,              // acknowledged (201 with its id), not deleted
  kDeleted,           // a delete answered 204 (or 404 after an unanswered one)
  kDeleteUnknown,     // a delete failed: the file may or may not be gone
  kNeverAcknowledged  // no upload attempt answered 201
};

struct FileRecord {
  uint64_t number = 0;
  uint64_t size = 0;
  std::string id;  // from the 201; empty when never acknowledged
  FileState state = FileState::kNeverAcknowledged;
  // Failed attempts: each may still have stored a file under this name (a commit whose answer
  // was lost), so the final listing may hold that many files nobody acknowledged.
  int failed_attempts = 0;
  std::string out_at_upload;  // what was out when the upload was acknowledged
};

// What is out right now (FaultRunner::OutNow), for the evidence of failures.
using OutageReport = std::function<std::string()>;

class LoadClient {
 public:
  // `options`, `content` and `tally` must outlive the client; `outages` is called from Run().
  LoadClient(int index, const LoadOptions& options, const Content& content, Tally& tally,
             std::unique_ptr<GatewayClient> gateway, OutageReport outages);

  // Registers the client's user, has `admin` put it on the enterprise tier, logs it in.
  [[nodiscard]] absl::Status SetUp(GatewayClient& admin);

  // Operates until `stop` is set; returns after the operation in progress.
  void Run(const std::atomic<bool>& stop);

  int index() const { return index_; }
  const std::string& username() const { return username_; }
  uint64_t FileKeyOf(uint64_t number) const { return FileKey(index_, number); }
  const std::vector<FileRecord>& files() const { return files_; }
  // Upload attempts that failed, and the bytes they declared: each may have left a quota
  // reservation behind.
  int failed_uploads() const { return failed_uploads_; }
  uint64_t failed_upload_bytes() const { return failed_upload_bytes_; }
  GatewayClient& gateway() { return *gateway_; }
  // Logs in again (sessions live in Redis, which a fault may empty).
  [[nodiscard]] absl::Status LogIn();

 private:
  void Upload();
  void Delete(FileRecord& file);
  void Download(const FileRecord& file, bool ranged);
  void CheckGone(const FileRecord& file);
  // Tallies an answer other than the one wanted: a failure the contract allows, or a violation.
  // True when the failure may be retried.
  // `cause_note` is appended to the cause the failure is tallied under.
  bool Unwanted(const std::string& op, const Reply& reply, const std::string& what,
                const std::string& cause_note = "");
  FileRecord* PickFile(FileState state);
  FileRecord* PickDeletable();
  std::string Describe(const FileRecord& file) const;
  void Pause(const std::atomic<bool>& stop);

  const int index_;
  const LoadOptions& options_;
  const Content& content_;
  Tally& tally_;
  std::unique_ptr<GatewayClient> gateway_;
  OutageReport outages_;
  Rng rng_;
  std::string username_;
  std::string password_;
  std::vector<FileRecord> files_;  // index = file number
  bool failed_last_ = false;
  int failed_uploads_ = 0;
  uint64_t failed_upload_bytes_ = 0;
};

}  // namespace datamesh::thrash
