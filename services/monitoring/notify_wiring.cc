#include "services/monitoring/notify_wiring.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/monitoring/notify_rpc.h"
#include "shared/bus/event.h"
#include "shared/log/log.h"

namespace datamesh::monitoring {
namespace {

// How often the lease holder looks at its alerts: the resolution of group_wait and friends.
constexpr absl::Duration kNotifyTick = absl::Seconds(1);

}  // namespace

void NotifyParts::Stop() {
  if (task) task->Stop();
  if (notifier) notifier->Stop();
}

absl::StatusOr<NotifyParts> StartNotify(server::Runtime& runtime, const std::string& config_path,
                                        const alerts::RuleEvaluator& evaluator,
                                        MonitoringServiceImpl& service) {
  notify::NotifyConfig config = notify::DefaultNotifyConfig();
  if (!config_path.empty()) {
    absl::StatusOr<notify::NotifyConfig> loaded = notify::LoadNotifyConfig(config_path);
    if (!loaded.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--notify-config: ", loaded.status().message()));
    }
    config = *std::move(loaded);
  }
  size_t integrations = 0;
  for (const notify::ReceiverConfig& r : config.receivers) {
    integrations += r.webhooks.size() + r.emails.size();
  }
  NotifyParts parts;
  parts.table = std::make_unique<notify::NotifyTable>(*runtime.pg());
  notify::Notifier::Deps deps;
  deps.store = parts.table.get();
  deps.leader = [&evaluator] { return evaluator.leader(); };
  deps.alerts = [&evaluator] { return HeldAlerts(evaluator.Snapshot()); };
  deps.clock = [] { return absl::Now(); };
  deps.new_id = [] { return bus::NewUuidV4(); };
  parts.notifier =
      std::make_unique<notify::Notifier>(std::move(config), std::move(deps), runtime.metrics());
  service.SetNotifier(parts.notifier.get());
  notify::Notifier* n = parts.notifier.get();
  parts.task = std::make_unique<server::PeriodicTask>(kNotifyTick, [n] { n->Tick(); });
  log::Info("notifications", {{"config", config_path.empty() ? "(none)" : config_path},
                              {"integrations", integrations}});
  return parts;
}

}  // namespace datamesh::monitoring
