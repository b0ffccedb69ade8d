// Notifier: the notification pipeline of the service. Every tick, on the replica that holds the
// rule evaluator lease, it takes the evaluator's alerts, marks those an active silence mutes or
// an admin acknowledged, lets the Dispatcher decide what is due, persists the notification log
// and hands each message to its integration's DeliveryQueue (webhook or email). Other replicas
// only serve the API: silences and acks live in PostgreSQL, so any replica can take them.
//
// alert.triggered / alert.resolved on NATS (and the gateway's WebSocket relay of them) are
// published by the evaluator for every alert, as before: they are the record of what happened.
// Silences and acks govern the receivers of the notify config.
//
// Thread-safe: Tick runs on a periodic task, the API on RPC threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/registry.h"
#include "services/monitoring/alerts/alert_state.h"
#include "services/monitoring/notify/delivery_queue.h"
#include "services/monitoring/notify/dispatcher.h"
#include "services/monitoring/notify/notify_config.h"
#include "services/monitoring/notify/notify_table.h"
#include "services/monitoring/notify/payload.h"
#include "services/monitoring/notify/silence.h"

namespace datamesh::monitoring::notify {

class Notifier {
 public:
  struct Deps {
    NotifyStore* store = nullptr;
    std::function<bool()> leader;                        // holds the evaluator lease
    std::function<std::vector<alerts::Alert>()> alerts;  // every alert held
    std::function<absl::Time()> clock;
    std::function<std::string()> new_id;
    // The integrations' transports (senders.h); tests may count calls through them.
    std::function<absl::Status(const std::string& url, const std::string& body,
                               const crypto::SecretBytes* secret, absl::Time now,
                               absl::Duration timeout)>
        post_webhook = PostWebhookDefault();
    std::function<absl::Status(const std::string& smarthost, const std::string& from,
                               const std::vector<std::string>& to, const EmailMessage& message,
                               absl::Time now)>
        send_email = SendEmailDefault();

    static decltype(post_webhook) PostWebhookDefault();
    static decltype(send_email) SendEmailDefault();
  };

  // What the alert list shows besides the alert itself.
  struct AlertNotes {
    std::vector<std::string> silenced_by;  // ids of the active silences muting it
    std::optional<Ack> ack;
  };

  Notifier(NotifyConfig config, Deps deps, prometheus::Registry& metrics);
  ~Notifier();

  // One round: a no-op unless this replica leads.
  void Tick();

  // Validates and stores a silence (id, created_at assigned; starts_at now when unset).
  // INVALID_ARGUMENT (CheckNewSilence); UNAVAILABLE from the store.
  absl::StatusOr<Silence> CreateSilence(Silence s);
  // Silences that are pending, active, or ended within kNotifyRetention; newest first.
  absl::StatusOr<std::vector<Silence>> ListSilences();
  // NOT_FOUND / FAILED_PRECONDITION (already ended).
  absl::Status ExpireSilence(const std::string& id);
  // Acknowledges the firing alert whose id or fingerprint is `id`. NOT_FOUND: no alert has it;
  // FAILED_PRECONDITION: it is pending or resolved; INVALID_ARGUMENT: a comment too long.
  absl::StatusOr<Ack> Acknowledge(const std::string& id, const std::string& by,
                                  const std::string& comment);

  // Silences and acks of alerts, by alert id (from the latest state, read at most once a
  // second).
  std::map<std::string, AlertNotes> Notes(const std::vector<alerts::Alert>& alerts);

  // Stops the delivery queues (messages still waiting are dropped and counted).
  void Stop();

 private:
  struct Integration;
  struct State {
    std::vector<Silence> silences;
    std::map<std::string, Ack> acks;  // by alert id
  };

  absl::StatusOr<State> ReadState();
  absl::StatusOr<State> CachedState();
  std::vector<NotifyAlert> ToNotifyAlerts(const std::vector<alerts::Alert>& alerts,
                                          const State& state, absl::Time now) const;
  void Deliver(const Notification& n, absl::Time now);

  const NotifyConfig config_;
  const Deps deps_;
  prometheus::Family<prometheus::Counter>& outcomes_;
  std::vector<std::unique_ptr<Integration>> integrations_;

  std::mutex tick_mu_;                      // one Tick at a time
  std::unique_ptr<Dispatcher> dispatcher_;  // while leading

  std::mutex cache_mu_;
  std::optional<State> cache_;
  absl::Time cache_at_ = absl::InfinitePast();
  absl::Time last_cleanup_ = absl::InfinitePast();
};

}  // namespace datamesh::monitoring::notify
