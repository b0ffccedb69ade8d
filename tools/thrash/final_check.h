// The end of a run, once every fault is undone and the stack is healthy again: what one
// client's files must look like.
//   - The listing holds every acknowledged, undeleted file (with its size) and no file whose
//     delete was acknowledged; any other file in it is one a failed upload attempt may have
//     stored after all (at most one per failed attempt).
//   - Every listed file downloads byte-identical; every deleted one answers 404.
//   - Every listed file's health reaches "healthy" (repair and spread finished).
//   - The user's storage usage equals the sum of the listed files' sizes.
// Errors that may be the stack still settling (no answer, 5xx, 401 after a Redis restart) are
// retried until the check's deadline; what still fails then is a violation.
//
// Not thread-safe: one FinalCheck per client, each on its own thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tools/thrash/load_client.h"

namespace datamesh::thrash {

struct FinalOptions {
  absl::Duration read_deadline = absl::Minutes(3);    // listing and downloads
  absl::Duration health_deadline = absl::Minutes(5);  // every file healthy
  absl::Duration quota_deadline = absl::Minutes(2);   // usage equal to the files' sum
  std::string gateway_grpc_address;  // to split a usage that differs (usage_probe.h)
};

class FinalCheck {
 public:
  // `client` (after its Run returned), `content` and `tally` must outlive the check.
  FinalCheck(LoadClient& client, const Content& content, Tally& tally, const FinalOptions& options)
      : client_(client), content_(content), tally_(tally), options_(options) {}

  void Run();

 private:
  struct Listed {
    std::string id;
    std::string name;
    uint64_t size = 0;
  };
  // The whole listing; false (and a violation) if it cannot be had before the deadline.
  bool List(std::vector<Listed>& out);
  void CheckListing(const std::vector<Listed>& listed);
  void CheckBytes(const std::vector<Listed>& listed);
  void WaitHealthy(const std::vector<Listed>& listed);
  void CheckUsage(const std::vector<Listed>& listed);
  // Why the usage differs from `files_bytes`: stored and reserved bytes as quota counts them.
  std::string WhyUsageDiffers(uint64_t files_bytes);
  // Calls `call` until its answer is not one to retry or `deadline` passes.
  Reply Retrying(const std::function<Reply()>& call, absl::Time deadline);

  LoadClient& client_;
  const Content& content_;
  Tally& tally_;
  const FinalOptions& options_;
};

}  // namespace datamesh::thrash
