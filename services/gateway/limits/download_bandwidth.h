// Download bandwidth at the edge, shared by REST (GET /api/v1/files/{id}) and public gRPC
// (FileService.Download). Before a download starts, CheckDownloadBandwidth asks whether its
// bytes fit the month (a refusal is 403 QUOTA_EXCEEDED before any byte; REST asks only for
// downloads longer than one step, since paying the first step is the same check). While it runs, a
// DownloadMeter pays for the bytes before they are sent, `kBandwidthStep` at a time (never more
// than the download's expected length), with
// QuotaService.RecordBandwidth(within_limit): quota serialises the payments of one user, so
// parallel downloads together never pass the limit by more than one step each; a download whose
// next step does not fit ends there. When it ends, bytes paid for but not sent are refunded.
//
// Thread safety: functions are thread-safe; a DownloadMeter serves one download.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "services/gateway/identity/caller.h"
#include "services/gateway/routes/api_context.h"
#include "services/gateway/upstream/upstream_clients.h"

namespace datamesh::gateway {

inline constexpr uint64_t kBandwidthStep = 8 << 20;

// Admission of `bytes` against the caller's monthly bandwidth. A quota service that cannot be
// reached does not block downloads (logged); a refusal is 403 QUOTA_EXCEEDED.
[[nodiscard]] absl::Status CheckDownloadBandwidth(const ApiContext& ctx, const Caller& caller,
                                                  const CallOrigin& origin, uint64_t bytes);

class DownloadMeter {
 public:
  // All references must outlive the meter.
  DownloadMeter(const ApiContext& ctx, const Caller& caller, const CallOrigin& origin)
      : ctx_(ctx), caller_(caller), origin_(origin) {}
  ~DownloadMeter() { Settle(); }
  DownloadMeter(const DownloadMeter&) = delete;
  DownloadMeter& operator=(const DownloadMeter&) = delete;

  // Call before sending `bytes` more: pays the next step when what is paid does not cover them.
  // 403 QUOTA_EXCEEDED when the step would pass the month's limit (the download must stop). A
  // quota service that cannot be reached admits the bytes; they are counted at Settle.
  [[nodiscard]] absl::Status Admit(uint64_t bytes);
  // The download will send `total` bytes in all: no step pays beyond them, so a download that
  // ends as expected has nothing to refund (a 4 KiB file costs one RecordBandwidth, not two).
  void ExpectTotal(uint64_t total) { expected_ = total; }
  // Records that `bytes` admitted bytes went out.
  void Sent(uint64_t bytes) { sent_ += bytes; }
  // Refunds what was paid and not sent, counts what was sent unpaid. Idempotent.
  void Settle();

 private:
  const ApiContext& ctx_;
  const Caller& caller_;
  const CallOrigin& origin_;
  uint64_t paid_ = 0;      // paid within the limit
  uint64_t admitted_ = 0;  // paid, plus admitted while quota was unreachable
  uint64_t sent_ = 0;
  uint64_t expected_ = 0;  // 0: not known
  bool settled_ = false;
};

}  // namespace datamesh::gateway
