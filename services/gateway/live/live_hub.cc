#include "services/gateway/live/live_hub.h"

#include <vector>

namespace datamesh::gateway::live {

bool OverQueueLimit(size_t queued_frames, size_t queued_bytes, size_t frame_bytes,
                    const HubOptions& options) {
  return queued_frames >= options.max_queued_frames ||
         queued_bytes + frame_bytes > options.max_queued_bytes;
}

LiveHub::LiveHub(HubOptions options, prometheus::Registry* registry) : options_(options) {
  if (registry == nullptr) return;
  open_gauge_ = &prometheus::BuildGauge()
                     .Name("datamesh_gateway_ws_sessions_open")
                     .Help("Open /api/v1/ws sessions")
                     .Register(*registry)
                     .Add({});
  frames_counter_ = &prometheus::BuildCounter()
                         .Name("datamesh_gateway_ws_frames_sent_total")
                         .Help("Frames queued to /api/v1/ws sessions")
                         .Register(*registry)
                         .Add({});
  dropped_counter_ = &prometheus::BuildCounter()
                          .Name("datamesh_gateway_ws_slow_consumers_dropped_total")
                          .Help("/api/v1/ws sessions closed because they did not keep up")
                          .Register(*registry)
                          .Add({});
}

void LiveHub::Attach(std::shared_ptr<http::WebSocketSession> session, Viewer viewer,
                     std::string token_hash) {
  const http::WebSocketSession* key = session.get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_[key] = Entry{std::move(session), std::move(viewer), std::move(token_hash)};
  }
  UpdateOpenGauge();
}

void LiveHub::Detach(const http::WebSocketSession* session) {
  size_t erased;
  {
    std::lock_guard<std::mutex> lock(mu_);
    erased = sessions_.erase(session);
  }
  if (erased > 0) UpdateOpenGauge();
}

void LiveHub::Publish(const events::v1::Event& event) {
  if (std::optional<FeedFrame> frame = ToFeedFrame(event)) Deliver(*frame);
}

void LiveHub::Deliver(const FeedFrame& frame) {
  // Sessions are picked under the lock but served outside it: closing one dispatches to its
  // connection and Detach (from on_close, on an I/O thread) takes the lock.
  std::vector<std::shared_ptr<http::WebSocketSession>> targets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    targets.reserve(sessions_.size());
    for (const auto& [key, entry] : sessions_) {
      if (Visible(frame, entry.viewer)) targets.push_back(entry.session);
    }
  }
  for (const std::shared_ptr<http::WebSocketSession>& session : targets) {
    if (OverQueueLimit(session->queued_messages(), session->queued_bytes(), frame.text.size(),
                       options_)) {
      if (Remove(session.get(), kCloseTryAgainLater, "slow consumer")) {
        dropped_slow_.fetch_add(1, std::memory_order_relaxed);
        if (dropped_counter_ != nullptr) dropped_counter_->Increment();
      }
      continue;
    }
    if (session->Send(frame.text)) {
      frames_sent_.fetch_add(1, std::memory_order_relaxed);
      if (frames_counter_ != nullptr) frames_counter_->Increment();
    } else if (session->dropped()) {
      // The server's own limit cut it first (a hub limit above the server's): still slow.
      if (Remove(session.get(), kCloseTryAgainLater, "slow consumer")) {
        dropped_slow_.fetch_add(1, std::memory_order_relaxed);
        if (dropped_counter_ != nullptr) dropped_counter_->Increment();
      }
    }
  }
}

void LiveHub::Revoke(std::string_view token_hash) {
  if (token_hash.empty()) return;
  std::vector<const http::WebSocketSession*> matches;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, entry] : sessions_) {
      if (entry.token_hash == token_hash) matches.push_back(key);
    }
  }
  for (const http::WebSocketSession* session : matches) {
    if (Remove(session, kClosePolicyViolation, "credential revoked")) {
      closed_revoked_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void LiveHub::RoleChanged(std::string_view user_id, bool admin) {
  std::vector<const http::WebSocketSession*> matches;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, entry] : sessions_) {
      if (entry.viewer.user_id == user_id && entry.viewer.admin != admin) matches.push_back(key);
    }
  }
  for (const http::WebSocketSession* session : matches) {
    if (Remove(session, kClosePolicyViolation, "role changed")) {
      closed_revoked_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

bool LiveHub::Remove(const http::WebSocketSession* session, uint16_t code,
                     std::string_view reason) {
  std::shared_ptr<http::WebSocketSession> removed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(session);
    if (it == sessions_.end()) return false;
    removed = std::move(it->second.session);
    sessions_.erase(it);
  }
  removed->Close(code, reason);
  UpdateOpenGauge();
  return true;
}

void LiveHub::UpdateOpenGauge() {
  if (open_gauge_ == nullptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  open_gauge_->Set(static_cast<double>(sessions_.size()));
}

LiveHub::Stats LiveHub::stats() const {
  Stats s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.sessions_open = sessions_.size();
  }
  s.frames_sent = frames_sent_.load(std::memory_order_relaxed);
  s.dropped_slow = dropped_slow_.load(std::memory_order_relaxed);
  s.closed_revoked = closed_revoked_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace datamesh::gateway::live
