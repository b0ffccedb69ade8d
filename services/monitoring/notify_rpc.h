// The notification RPCs of MonitoringService (CreateSilence, ListSilences, ExpireSilence,
// AcknowledgeAlert) over the Notifier, with their proto <-> domain conversion, and the notes
// (silenced_by, acknowledgement) ListAlerts adds to each alert. Thread-safe as the notifier is.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "datamesh/monitoring/v1/monitoring.pb.h"
#include "services/monitoring/alerts/rule_evaluator.h"
#include "services/monitoring/notify/notifier.h"

namespace datamesh::monitoring {

// INVALID_ARGUMENT for a bad matcher or silence (nothing stored).
absl::StatusOr<v1::CreateSilenceResponse> CreateSilenceRpc(notify::Notifier& n,
                                                           const v1::CreateSilenceRequest& r);
absl::StatusOr<v1::ListSilencesResponse> ListSilencesRpc(notify::Notifier& n);
absl::Status ExpireSilenceRpc(notify::Notifier& n, const v1::ExpireSilenceRequest& r);
absl::StatusOr<v1::AcknowledgeAlertResponse> AcknowledgeAlertRpc(
    notify::Notifier& n, const v1::AcknowledgeAlertRequest& r);

// Every alert held by the groups, as the notifier reads them.
std::vector<alerts::Alert> HeldAlerts(const std::vector<alerts::GroupSnapshot>& groups);

// Sets silenced_by and acknowledgement on the listed alerts.
void AddAlertNotes(notify::Notifier& n, const std::vector<alerts::GroupSnapshot>& groups,
                   v1::ListAlertsResponse* response);

}  // namespace datamesh::monitoring
