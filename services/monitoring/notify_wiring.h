// Wiring of the notification pipeline (notify/): the config from --notify-config (none: no
// external receivers), the PostgreSQL state, the Notifier ticking every second, and the RPCs'
// access to it. A config that does not load fails the service's start with the file, line and
// field.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/monitoring/alerts/rule_evaluator.h"
#include "services/monitoring/monitoring_service.h"
#include "services/monitoring/notify/notifier.h"
#include "services/monitoring/notify/notify_table.h"
#include "shared/server/periodic_task.h"
#include "shared/server/runtime.h"

namespace datamesh::monitoring {

struct NotifyParts {
  std::unique_ptr<notify::NotifyTable> table;
  std::unique_ptr<notify::Notifier> notifier;
  std::unique_ptr<server::PeriodicTask> task;

  // Stops ticking, then the delivery queues. Idempotent.
  void Stop();
};

// `evaluator` and `service` must outlive the parts; the service's silence and ack RPCs work
// once this returns.
absl::StatusOr<NotifyParts> StartNotify(server::Runtime& runtime, const std::string& config_path,
                                        const alerts::RuleEvaluator& evaluator,
                                        MonitoringServiceImpl& service);

}  // namespace datamesh::monitoring
