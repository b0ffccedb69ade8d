#include "tools/thrash/schedule.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tools/thrash/rng.h"

namespace datamesh::thrash {
namespace {

// The schedule's generator is part 0 of the seed (clients use parts 1..N).
constexpr uint64_t kSchedulePart = 0;

struct Range {
  int64_t min_ms;
  int64_t max_ms;
};

Range DownRange(const ScheduleOptions& o, FaultKind kind) {
  switch (kind) {
    case FaultKind::kKillStore: return {o.kill_min_ms, o.kill_max_ms};
    case FaultKind::kPauseStore: return {o.pause_min_ms, o.pause_max_ms};
    case FaultKind::kKillService: return {o.service_min_ms, o.service_max_ms};
    case FaultKind::kDependency: return {o.dependency_min_ms, o.dependency_max_ms};
  }
  return {0, 0};
}

std::vector<std::string> Targets(const ScheduleOptions& o, FaultKind kind) {
  if (kind == FaultKind::kKillService) return KillableServices();
  if (kind == FaultKind::kDependency) return Dependencies();
  std::vector<std::string> stores;
  for (int i = 1; i <= o.chunk_stores; ++i) stores.push_back(absl::StrCat("chunk-store-", i));
  return stores;
}

// Draws a kind: chunk-stores most often, since they are what erasure coding must survive.
FaultKind DrawKind(Rng& rng, Profile profile) {
  const int64_t roll = rng.Between(0, 99);
  if (profile == Profile::kShort) {
    if (roll < 35) return FaultKind::kKillStore;
    if (roll < 70) return FaultKind::kPauseStore;
    return FaultKind::kKillService;
  }
  if (roll < 30) return FaultKind::kKillStore;
  if (roll < 60) return FaultKind::kPauseStore;
  if (roll < 82) return FaultKind::kKillService;
  return FaultKind::kDependency;
}

// When each target is free again, and how many of each class are out, as the plan stands.
class Occupancy {
 public:
  explicit Occupancy(const ScheduleOptions& o) : o_(o) {}

  bool TargetFree(const std::string& target, int64_t at_ms) const {
    auto it = busy_until_.find(target);
    return it == busy_until_.end() || it->second <= at_ms;
  }
  // Out at `at_ms`, of the class of `kind`. Faults are added in start order, so the count at a
  // new fault's start is the most its whole span will see among the faults already planned.
  int OutAt(FaultKind kind, int64_t at_ms) const {
    int out = 0;
    for (const auto& [target, until] : busy_until_) {
      if (IsStoreFault(kind) == IsStoreTarget(target) && until > at_ms) ++out;
    }
    return out;
  }
  int Limit(FaultKind kind) const {
    return IsStoreFault(kind) ? o_.max_stores_down : o_.max_others_down;
  }
  void Add(const Fault& f) { busy_until_[f.target] = f.end_ms() + o_.restart_allowance_ms; }

 private:
  static bool IsStoreTarget(const std::string& target) {
    return target.rfind("chunk-store-", 0) == 0;
  }
  const ScheduleOptions& o_;
  std::map<std::string, int64_t> busy_until_;  // per target, the end of its last fault
};

}  // namespace

const char* KindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kKillStore: return "kill-store";
    case FaultKind::kPauseStore: return "pause-store";
    case FaultKind::kKillService: return "kill-service";
    case FaultKind::kDependency: return "dependency";
  }
  return "?";
}

const std::vector<std::string>& KillableServices() {
  static const auto* services = new std::vector<std::string>{"file-ingest", "dht", "quota", "auth"};
  return *services;
}

const std::vector<std::string>& Dependencies() {
  static const auto* deps = new std::vector<std::string>{"nats", "postgres", "redis"};
  return *deps;
}

absl::Status ValidateScheduleOptions(const ScheduleOptions& o) {
  auto bad = [](const std::string& what) { return absl::InvalidArgumentError(what); };
  if (o.window_ms < 0) return bad("the fault window must not be negative");
  if (o.chunk_stores < 1) return bad("--chunk-stores must be at least 1");
  if (o.max_stores_down < 0 || o.max_stores_down > o.chunk_stores) {
    return bad(absl::StrCat("--max-stores-down must be 0 to --chunk-stores (", o.chunk_stores,
                            "), not ", o.max_stores_down));
  }
  if (o.max_others_down < 0) return bad("--max-others-down must not be negative");
  if (o.restart_allowance_ms < 0) return bad("the restart allowance must not be negative");
  const struct {
    const char* name;
    int64_t min_ms, max_ms;
  } ranges[] = {{"gap", o.gap_min_ms, o.gap_max_ms},
                {"kill", o.kill_min_ms, o.kill_max_ms},
                {"pause", o.pause_min_ms, o.pause_max_ms},
                {"service", o.service_min_ms, o.service_max_ms},
                {"dependency", o.dependency_min_ms, o.dependency_max_ms}};
  for (const auto& r : ranges) {
    if (r.min_ms < 0 || r.max_ms < r.min_ms) {
      return bad(
          absl::StrCat("--", r.name, "-min and --", r.name, "-max must satisfy 0 <= min <= max"));
    }
  }
  if (o.gap_min_ms == 0) return bad("--gap-min must be above 0");
  return absl::OkStatus();
}

std::vector<Fault> MakeSchedule(const ScheduleOptions& o) {
  Rng rng = Rng::For(o.seed, kSchedulePart);
  Occupancy occupancy(o);
  std::vector<Fault> faults;
  // Every fault, its restart allowance included, ends by the end of the window.
  const int64_t last_end = o.window_ms - o.restart_allowance_ms;
  for (int64_t t = rng.Between(o.gap_min_ms, o.gap_max_ms); t < last_end;
       t += rng.Between(o.gap_min_ms, o.gap_max_ms)) {
    const FaultKind kind = DrawKind(rng, o.profile);
    const Range range = DownRange(o, kind);
    const int64_t down = std::min(rng.Between(range.min_ms, range.max_ms), last_end - t);
    std::vector<std::string> free;
    for (const std::string& target : Targets(o, kind)) {
      if (occupancy.TargetFree(target, t)) free.push_back(target);
    }
    // Draws stay in step whether or not the slot is used, so a bound changes only its slot.
    const int64_t pick = rng.Between(0, static_cast<int64_t>(free.size()) - 1);
    if (down < range.min_ms || free.empty() || occupancy.OutAt(kind, t) >= occupancy.Limit(kind)) {
      continue;  // no room for this kind here: the slot stays quiet
    }
    Fault f{t, down, kind, free[static_cast<size_t>(pick)]};
    occupancy.Add(f);
    faults.push_back(std::move(f));
  }
  return faults;
}

absl::Status CheckSchedule(const std::vector<Fault>& faults, const ScheduleOptions& o) {
  auto broken = [](size_t i, const Fault& f, const std::string& why) {
    return absl::FailedPreconditionError(
        absl::StrCat("fault #", i + 1, " (", Describe(f), "): ", why));
  };
  Occupancy occupancy(o);
  for (size_t i = 0; i < faults.size(); ++i) {
    const Fault& f = faults[i];
    const std::vector<std::string> targets = Targets(o, f.kind);
    if (std::find(targets.begin(), targets.end(), f.target) == targets.end()) {
      return broken(i, f, "the target is not one this kind of fault may take");
    }
    if (f.kind == FaultKind::kDependency && o.profile != Profile::kLong) {
      return broken(i, f, "dependencies are stopped only in the long profile");
    }
    if (i > 0 && f.start_ms < faults[i - 1].start_ms) return broken(i, f, "not in start order");
    const Range range = DownRange(o, f.kind);
    if (f.start_ms < 0 || f.down_ms < range.min_ms || f.down_ms > range.max_ms) {
      return broken(i, f, "its time or length is outside the options' range");
    }
    if (f.end_ms() + o.restart_allowance_ms > o.window_ms) {
      return broken(i, f, "it is not over (restart allowance included) by the end of the window");
    }
    if (!occupancy.TargetFree(f.target, f.start_ms)) {
      return broken(i, f, "its target is still out from an earlier fault");
    }
    if (occupancy.OutAt(f.kind, f.start_ms) >= occupancy.Limit(f.kind)) {
      return broken(i, f, absl::StrCat("more than ", occupancy.Limit(f.kind), " of its class out"));
    }
    occupancy.Add(f);
  }
  return absl::OkStatus();
}

std::string Describe(const Fault& f) {
  const double at = static_cast<double>(f.start_ms) / 1000;
  const double down = static_cast<double>(f.down_ms) / 1000;
  switch (f.kind) {
    case FaultKind::kKillStore:
    case FaultKind::kKillService:
      return absl::StrFormat("t=+%.1fs kill %s, restart after %.1fs", at, f.target, down);
    case FaultKind::kPauseStore:
      return absl::StrFormat("t=+%.1fs pause %s (SIGSTOP) for %.1fs", at, f.target, down);
    case FaultKind::kDependency:
      return absl::StrFormat("t=+%.1fs stop %s, start after %.1fs", at, f.target, down);
  }
  return "?";
}

}  // namespace datamesh::thrash
