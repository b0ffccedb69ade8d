// LiveHub: fans feed frames out to the open WebSocket sessions of /api/v1/ws.
//
// Each frame is built once (feed_frame.h) and offered to every session whose viewer may see it.
// Sending never blocks: WebSocketSession::Send only queues. A session whose queue already holds
// Options::max_queued_frames frames, or would pass Options::max_queued_bytes with the next one,
// is a slow consumer: it is closed with code 1013 ("try again later") and forgotten, so one
// stalled client costs a bounded amount of memory and never delays the others. The hub's limit
// must not exceed the HTTP server's own queue limit, so that this rule (which tells the client
// why) applies before the server's (which just cuts the connection).
//
// Sessions also end when their credential is revoked or their user's role changes (code 1008,
// policy violation), so a logout, a revoked API key or a demotion stops the feed as it stops
// REST calls.
//
// Ownership: the hub holds a shared_ptr to each attached session until Detach, a drop or a
// revocation. Thread safety: every method is thread-safe; Publish may run concurrently on many
// threads (one per NATS subscription).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "datamesh/events/v1/event.pb.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/gateway/http/websocket_session.h"
#include "services/gateway/live/feed_frame.h"

namespace datamesh::gateway::live {

// WebSocket close codes (RFC 6455 §7.4.1).
inline constexpr uint16_t kClosePolicyViolation = 1008;
inline constexpr uint16_t kCloseTryAgainLater = 1013;

struct HubOptions {
  size_t max_queued_frames = 256;
  size_t max_queued_bytes = 1 << 20;
};

// True when a session that already queues `queued_frames` frames of `queued_bytes` bytes must
// not be given one more of `frame_bytes`: the slow-consumer rule.
bool OverQueueLimit(size_t queued_frames, size_t queued_bytes, size_t frame_bytes,
                    const HubOptions& options);

class LiveHub {
 public:
  struct Stats {
    uint64_t sessions_open = 0;
    uint64_t frames_sent = 0;
    uint64_t dropped_slow = 0;
    uint64_t closed_revoked = 0;
  };

  // Metrics are registered on `registry` when it is not null (it must outlive the hub):
  // datamesh_gateway_ws_sessions_open, datamesh_gateway_ws_frames_sent_total,
  // datamesh_gateway_ws_slow_consumers_dropped_total.
  LiveHub(HubOptions options, prometheus::Registry* registry);
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  // Starts feeding `session` (from WebSocketCallbacks::on_open) for `viewer`. `token_hash` is
  // the SHA-256 hex of the credential it authenticated with (see Revoke).
  void Attach(std::shared_ptr<http::WebSocketSession> session, Viewer viewer,
              std::string token_hash);
  // Stops feeding the session (from on_close); unknown sessions are ignored.
  void Detach(const http::WebSocketSession* session);

  // Maps `event` and delivers it; events the feed does not relay are ignored.
  void Publish(const events::v1::Event& event);
  // Sends `frame` to every session whose viewer may see it.
  void Deliver(const FeedFrame& frame);
  // Closes every session that authenticated with the credential `token_hash`.
  void Revoke(std::string_view token_hash);
  // Closes the sessions of `user_id` whose admin view no longer matches its role (a demoted
  // admin stops receiving admin events; a promoted user reconnects to get them).
  void RoleChanged(std::string_view user_id, bool admin);

  Stats stats() const;

 private:
  struct Entry {
    std::shared_ptr<http::WebSocketSession> session;
    Viewer viewer;
    std::string token_hash;
  };

  // Takes `session` out of the map and closes it; false if it was no longer there.
  bool Remove(const http::WebSocketSession* session, uint16_t code, std::string_view reason);
  void UpdateOpenGauge();

  const HubOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<const http::WebSocketSession*, Entry> sessions_;

  std::atomic<uint64_t> frames_sent_{0};
  std::atomic<uint64_t> dropped_slow_{0};
  std::atomic<uint64_t> closed_revoked_{0};
  prometheus::Gauge* open_gauge_ = nullptr;
  prometheus::Counter* frames_counter_ = nullptr;
  prometheus::Counter* dropped_counter_ = nullptr;
};

}  // namespace datamesh::gateway::live
