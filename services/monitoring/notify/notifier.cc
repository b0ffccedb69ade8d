#include "services/monitoring/notify/notifier.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "prometheus/family.h"
#include "services/monitoring/notify/senders.h"
#include "shared/log/log.h"

namespace datamesh::monitoring::notify {
namespace {

// Cleanup of old silences, acks and log entries runs this often on the leader.
constexpr absl::Duration kCleanupInterval = absl::Minutes(10);
// API reads of silences and acks are answered from a copy at most this old.
constexpr absl::Duration kCacheAge = absl::Seconds(1);
constexpr absl::Duration kEmailTimeout = absl::Seconds(30);

// The analytics' explanation of a firing alert as one annotation line per series, so every
// receiver (which only knows Alertmanager's fields) shows it.
std::string ExplanationText(const std::vector<alerts::SeriesChange>& changes) {
  std::string out;
  for (const alerts::SeriesChange& c : changes) {
    absl::StrAppend(
        &out, out.empty() ? "" : "\n", promql::LabelsToString(c.labels), ": ",
        absl::StrFormat("%.6g -> %.6g", c.baseline_mean, c.window_mean),
        c.rate ? " per second" : "",
        std::isnan(c.change_ratio) ? "" : absl::StrFormat(" (%+.0f%%)", 100 * c.change_ratio));
  }
  return out;
}

}  // namespace

struct Notifier::Integration {
  std::string receiver;
  std::optional<WebhookConfig> webhook;
  std::optional<EmailConfig> email;
  std::unique_ptr<DeliveryQueue> queue;
};

decltype(Notifier::Deps::post_webhook) Notifier::Deps::PostWebhookDefault() {
  return [](const std::string& url, const std::string& body, const crypto::SecretBytes* secret,
            absl::Time now,
            absl::Duration timeout) { return PostWebhook(url, body, secret, now, timeout); };
}

decltype(Notifier::Deps::send_email) Notifier::Deps::SendEmailDefault() {
  return [](const std::string& host, const std::string& from, const std::vector<std::string>& to,
            const EmailMessage& m,
            absl::Time now) { return SendEmail(host, from, to, m, now, kEmailTimeout); };
}

Notifier::Notifier(NotifyConfig config, Deps deps, prometheus::Registry& metrics)
    : config_(std::move(config)),
      deps_(std::move(deps)),
      outcomes_(prometheus::BuildCounter()
                    .Name("datamesh_monitoring_notifications_total")
                    .Help("Notifications to receivers by outcome: sent, retried, failed, dropped")
                    .Register(metrics)) {
  const DeliveryQueue::Options q{config_.delivery.queue_capacity, config_.delivery.retry_deadline,
                                 config_.delivery.initial_backoff, config_.delivery.max_backoff};
  for (const ReceiverConfig& r : config_.receivers) {
    for (const WebhookConfig& w : r.webhooks) {
      integrations_.push_back(std::make_unique<Integration>(Integration{
          r.name, w, std::nullopt, std::make_unique<DeliveryQueue>(r.name, q, outcomes_)}));
    }
    for (const EmailConfig& e : r.emails) {
      integrations_.push_back(std::make_unique<Integration>(Integration{
          r.name, std::nullopt, e, std::make_unique<DeliveryQueue>(r.name, q, outcomes_)}));
    }
  }
}

Notifier::~Notifier() { Stop(); }

void Notifier::Stop() {
  for (auto& i : integrations_) i->queue->Stop();
}

absl::StatusOr<Notifier::State> Notifier::ReadState() {
  const absl::Time now = deps_.clock();
  State s;
  absl::StatusOr<std::vector<Silence>> silences = deps_.store->ListSilences(now - kNotifyRetention);
  if (!silences.ok()) return silences.status();
  s.silences = *std::move(silences);
  absl::StatusOr<std::vector<Ack>> acks = deps_.store->ListAcks();
  if (!acks.ok()) return acks.status();
  for (Ack& a : *acks) s.acks[a.alert_id] = std::move(a);
  std::lock_guard<std::mutex> lock(cache_mu_);
  cache_ = s;
  cache_at_ = now;
  return s;
}

absl::StatusOr<Notifier::State> Notifier::CachedState() {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (cache_ && deps_.clock() - cache_at_ < kCacheAge) return *cache_;
  }
  return ReadState();
}

std::vector<NotifyAlert> Notifier::ToNotifyAlerts(const std::vector<alerts::Alert>& in,
                                                  const State& state, absl::Time now) const {
  std::vector<NotifyAlert> out;
  for (const alerts::Alert& a : in) {
    const bool resolved = a.state == alerts::AlertState::kInactive;
    if (a.state == alerts::AlertState::kPending) continue;
    NotifyAlert n;
    n.id = a.id;
    n.fingerprint = Fingerprint(a.labels);
    n.labels = a.labels;
    n.annotations = a.annotations;
    if (!a.explanation.empty()) {
      n.annotations.push_back({"explanation", ExplanationText(a.explanation)});
      n.annotations = promql::MakeLabels(std::move(n.annotations));
    }
    n.resolved = resolved;
    n.starts_at = a.active_at;
    n.fired_at = a.fired_at;
    n.ends_at = a.resolved_at;
    for (const Silence& s : state.silences) {
      if (s.Mutes(a.labels, now)) n.silenced = true;
    }
    n.acknowledged = state.acks.contains(a.id);
    out.push_back(std::move(n));
  }
  return out;
}

void Notifier::Tick() {
  std::lock_guard<std::mutex> lock(tick_mu_);
  if (!deps_.leader()) {
    dispatcher_.reset();  // the next holder de-duplicates from the persisted log
    return;
  }
  const absl::Time now = deps_.clock();
  if (!dispatcher_) {
    absl::StatusOr<std::map<std::string, LogEntry>> log = deps_.store->LoadLog();
    if (!log.ok()) {
      log::Warn("could not load the notification log; notifying waits for it",
                {{"error", std::string(log.status().message())}});
      return;
    }
    dispatcher_ = std::make_unique<Dispatcher>(config_);
    dispatcher_->RestoreLog(*std::move(log));
  }
  absl::StatusOr<State> state = ReadState();
  if (!state.ok()) {
    // Without the silences, sending could break one; wait for the database instead.
    log::Warn("could not read silences and acks; notifications wait",
              {{"error", std::string(state.status().message())}});
    return;
  }
  for (const Notification& n :
       dispatcher_->Tick(ToNotifyAlerts(deps_.alerts(), *state, now), now)) {
    if (absl::Status s = deps_.store->SaveLogEntry(n.receiver, n.group_key, n.entry); !s.ok()) {
      log::Warn("could not save the notification log; a restart may send this group again",
                {{"receiver", n.receiver}, {"error", std::string(s.message())}});
    }
    Deliver(n, now);
  }
  if (now - last_cleanup_ >= kCleanupInterval) {
    last_cleanup_ = now;
    if (absl::Status s = deps_.store->DeleteBefore(now - kNotifyRetention); !s.ok()) {
      log::Warn("notification cleanup failed", {{"error", std::string(s.message())}});
    }
  }
}

void Notifier::Deliver(const Notification& n, absl::Time now) {
  const std::string what = absl::StrCat(n.group_key, " (", n.entry.firing.size(), " firing, ",
                                        n.entry.resolved.size(), " resolved)");
  for (auto& i : integrations_) {
    if (i->receiver != n.receiver) continue;
    if (i->webhook) {
      const WebhookConfig& w = *i->webhook;
      std::optional<std::string> body = WebhookBody(n, {.external_url = config_.external_url,
                                                        .max_alerts = w.max_alerts,
                                                        .send_resolved = w.send_resolved});
      if (!body) continue;
      i->queue->Push(what,
                     [post = deps_.post_webhook, clock = deps_.clock, w, body = *std::move(body)] {
                       // Signed at each attempt, so the timestamp is fresh.
                       return post(w.url, body, w.hmac_secret.get(), clock(), w.timeout);
                     });
    } else {
      const EmailConfig& e = *i->email;
      std::optional<EmailMessage> m =
          EmailText(n, {.external_url = config_.external_url, .send_resolved = e.send_resolved});
      if (!m) continue;
      i->queue->Push(what, [send = deps_.send_email, e, m = *std::move(m), now] {
        return send(e.smarthost, e.from, e.to, m, now);
      });
    }
  }
}

absl::StatusOr<Silence> Notifier::CreateSilence(Silence s) {
  const absl::Time now = deps_.clock();
  s.id = deps_.new_id();
  s.created_at = now;
  if (s.starts_at == absl::InfinitePast() || s.starts_at < now) s.starts_at = now;
  if (absl::Status c = CheckNewSilence(s, now); !c.ok()) return c;
  if (absl::Status c = deps_.store->CreateSilence(s); !c.ok()) return c;
  std::lock_guard<std::mutex> lock(cache_mu_);
  cache_.reset();
  return s;
}

absl::StatusOr<std::vector<Silence>> Notifier::ListSilences() {
  return deps_.store->ListSilences(deps_.clock() - kNotifyRetention);
}

absl::Status Notifier::ExpireSilence(const std::string& id) {
  absl::Status s = deps_.store->ExpireSilence(id, deps_.clock());
  std::lock_guard<std::mutex> lock(cache_mu_);
  cache_.reset();
  return s;
}

absl::StatusOr<Ack> Notifier::Acknowledge(const std::string& id, const std::string& by,
                                          const std::string& comment) {
  if (id.empty()) return absl::InvalidArgumentError("an alert id or fingerprint is required");
  if (comment.size() > kMaxCommentBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the comment is longer than ", kMaxCommentBytes, " bytes"));
  }
  const alerts::Alert* found = nullptr;
  const std::vector<alerts::Alert> held = deps_.alerts();
  for (const alerts::Alert& a : held) {
    if (a.id != id && Fingerprint(a.labels) != id) continue;
    // A fingerprint names every episode of a label set: prefer the firing one.
    if (found == nullptr || a.state == alerts::AlertState::kFiring) found = &a;
  }
  if (found == nullptr) return absl::NotFoundError("no alert has this id or fingerprint");
  if (found->state != alerts::AlertState::kFiring) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the alert is ", found->state == alerts::AlertState::kPending ? "pending" : "resolved",
        "; only a firing alert is acknowledged"));
  }
  Ack ack{found->id, Fingerprint(found->labels), by, deps_.clock(), comment};
  if (absl::Status s = deps_.store->PutAck(ack); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(cache_mu_);
  cache_.reset();
  return ack;
}

std::map<std::string, Notifier::AlertNotes> Notifier::Notes(
    const std::vector<alerts::Alert>& alerts) {
  std::map<std::string, AlertNotes> out;
  absl::StatusOr<State> state = CachedState();
  if (!state.ok()) return out;  // the list still answers, without the notes
  const absl::Time now = deps_.clock();
  for (const alerts::Alert& a : alerts) {
    AlertNotes n;
    for (const Silence& s : state->silences) {
      if (s.Mutes(a.labels, now)) n.silenced_by.push_back(s.id);
    }
    auto ack = state->acks.find(a.id);
    if (ack != state->acks.end()) n.ack = ack->second;
    if (!n.silenced_by.empty() || n.ack) out[a.id] = std::move(n);
  }
  return out;
}

}  // namespace datamesh::monitoring::notify
