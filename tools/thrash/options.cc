#include "tools/thrash/options.h"

#include <chrono>
#include <optional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/config/flags.h"
#include "tools/thrash/stack_control.h"

#ifndef DM_THRASH_DEVSTACK
#define DM_THRASH_DEVSTACK "tools/devstack/devstack"
#endif

namespace datamesh::thrash {
namespace {

int64_t Ms(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

// The flags as plain values, bound to a FlagSet; converted into ThrashOptions once parsed.
struct RawFlags {
  std::string dir, bin, devstack = DM_THRASH_DEVSTACK, seed, profile = "short";
  absl::Duration duration = absl::Seconds(90), settle = absl::Seconds(20);
  absl::Duration healthy_timeout = absl::Minutes(3), read_deadline = absl::Minutes(3);
  absl::Duration health_deadline = absl::Minutes(5), quota_deadline = absl::Minutes(2);
  absl::Duration gap_min = absl::Seconds(1), gap_max = absl::Seconds(8);
  absl::Duration kill_min = absl::Seconds(1), kill_max = absl::Seconds(30);
  absl::Duration pause_min = absl::Seconds(2), pause_max = absl::Seconds(20);
  absl::Duration service_min = absl::ZeroDuration(), service_max = absl::Seconds(10);
  absl::Duration dependency_min = absl::Seconds(2), dependency_max = absl::Seconds(15);
  absl::Duration restart_allowance = absl::Seconds(5);
  int64_t clients = 3, chunk_stores = 6, max_stores_down = 2, max_others_down = 1;
  int64_t max_live_files = 40, big_percent = -1;  // -1: by profile
};

void Bind(config::FlagSet& flags, RawFlags& f) {
  flags.AddString("dir", &f.dir, "the devstack folder of the running stack (required)");
  flags.AddString("bin", &f.bin, "the folder of the service binaries (required)");
  flags.AddString("devstack", &f.devstack, "the devstack script");
  flags.AddString("seed", &f.seed, "the run's seed (default: drawn from the clock)");
  flags.AddString("profile", &f.profile,
                  "short, or long (also stops and starts NATS, PostgreSQL and Redis)");
  flags.AddDuration("duration", &f.duration, "how long faults are injected");
  flags.AddInt("clients", &f.clients, "load clients, each with its own user");
  flags.AddDuration("settle", &f.settle, "load without faults once the stack is healthy again");
  flags.AddDuration("healthy-timeout", &f.healthy_timeout,
                    "for every instance to serve again after the faults");
  flags.AddDuration("read-deadline", &f.read_deadline, "for the final listing and reads");
  flags.AddDuration("health-deadline", &f.health_deadline, "for every file to be healthy");
  flags.AddDuration("quota-deadline", &f.quota_deadline, "for usage to equal the files' sum");
  flags.AddDuration("gap-min", &f.gap_min, "shortest time between two fault starts");
  flags.AddDuration("gap-max", &f.gap_max, "longest time between two fault starts");
  flags.AddDuration("kill-min", &f.kill_min, "shortest time a killed chunk-store stays down");
  flags.AddDuration("kill-max", &f.kill_max, "longest time a killed chunk-store stays down");
  flags.AddDuration("pause-min", &f.pause_min, "shortest SIGSTOP of a chunk-store");
  flags.AddDuration("pause-max", &f.pause_max, "longest SIGSTOP of a chunk-store");
  flags.AddDuration("service-min", &f.service_min, "shortest time a killed service stays down");
  flags.AddDuration("service-max", &f.service_max, "longest time a killed service stays down");
  flags.AddDuration("dependency-min", &f.dependency_min, "shortest dependency stop (long)");
  flags.AddDuration("dependency-max", &f.dependency_max, "longest dependency stop (long)");
  flags.AddDuration("restart-allowance", &f.restart_allowance,
                    "how long a restarted target still counts as out, for the bounds");
  flags.AddInt("chunk-stores", &f.chunk_stores, "chunk-stores of the stack");
  flags.AddInt("max-stores-down", &f.max_stores_down, "chunk-stores out at once, at most");
  flags.AddInt("max-others-down", &f.max_others_down,
               "other services and dependencies out at once, at most");
  flags.AddInt("max-live-files", &f.max_live_files, "live files per client before it deletes");
  flags.AddInt("big-percent", &f.big_percent,
               "share of ~20 MiB uploads in percent (default: 3 short, 6 long)");
}

ScheduleOptions ScheduleFrom(const RawFlags& f, uint64_t seed) {
  ScheduleOptions s;
  s.seed = seed;
  s.profile = f.profile == "long" ? Profile::kLong : Profile::kShort;
  s.window_ms = Ms(f.duration);
  s.chunk_stores = static_cast<int>(f.chunk_stores);
  s.max_stores_down = static_cast<int>(f.max_stores_down);
  s.max_others_down = static_cast<int>(f.max_others_down);
  s.gap_min_ms = Ms(f.gap_min);
  s.gap_max_ms = Ms(f.gap_max);
  s.kill_min_ms = Ms(f.kill_min);
  s.kill_max_ms = Ms(f.kill_max);
  s.pause_min_ms = Ms(f.pause_min);
  s.pause_max_ms = Ms(f.pause_max);
  s.service_min_ms = Ms(f.service_min);
  s.service_max_ms = Ms(f.service_max);
  s.dependency_min_ms = Ms(f.dependency_min);
  s.dependency_max_ms = Ms(f.dependency_max);
  s.restart_allowance_ms = Ms(f.restart_allowance);
  return s;
}

absl::StatusOr<ThrashOptions> Convert(const RawFlags& f) {
  auto bad = [](const std::string& what) { return absl::InvalidArgumentError(what); };
  if (f.dir.empty() || f.bin.empty()) return bad("--dir and --bin are required");
  ThrashOptions o;
  o.dir = f.dir;
  o.bin = f.bin;
  o.devstack = f.devstack;
  if (f.seed.empty()) {
    o.seed = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
  } else if (!absl::SimpleAtoi(f.seed, &o.seed)) {
    return bad("--seed must be an unsigned 64-bit integer, not \"" + f.seed + "\"");
  }
  if (f.profile != "short" && f.profile != "long") {
    return bad("--profile must be short or long, not \"" + f.profile + "\"");
  }
  if (f.clients < 1 || f.clients > 64) return bad("--clients must be 1 to 64");
  if (f.max_live_files < 1) return bad("--max-live-files must be at least 1");
  if (f.big_percent < -1 || f.big_percent > 100) return bad("--big-percent must be 0 to 100");
  for (absl::Duration d : {f.duration, f.settle, f.healthy_timeout, f.read_deadline,
                           f.health_deadline, f.quota_deadline}) {
    if (d < absl::ZeroDuration()) return bad("durations must not be negative");
  }
  o.duration = f.duration;
  o.clients = static_cast<int>(f.clients);
  o.settle = f.settle;
  o.healthy_timeout = f.healthy_timeout;
  const bool is_long = f.profile == "long";
  o.schedule = ScheduleFrom(f, o.seed);
  if (absl::Status valid = ValidateScheduleOptions(o.schedule); !valid.ok()) return valid;
  o.load.seed = o.seed;
  o.load.max_live_files = static_cast<int>(f.max_live_files);
  o.load.big_percent = static_cast<int>(f.big_percent >= 0 ? f.big_percent : is_long ? 6 : 3);
  o.final_checks.read_deadline = f.read_deadline;
  o.final_checks.health_deadline = f.health_deadline;
  o.final_checks.quota_deadline = f.quota_deadline;
  return o;
}

}  // namespace

absl::StatusOr<ThrashOptions> ParseOptions(int argc, const char* const* argv, bool* help,
                                           std::string* usage) {
  RawFlags raw;
  config::FlagSet flags("dm-thrash");
  Bind(flags, raw);
  *usage = flags.Usage();
  // No environment: the printed command line alone must replay the run.
  const absl::Status parsed = flags.Parse(
      argc, argv, [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  *help = flags.help_requested();
  if (!parsed.ok()) return parsed;
  if (*help) return ThrashOptions{};
  return Convert(raw);
}

std::string ReplayCommand(const ThrashOptions& o) {
  const ThrashOptions d;  // defaults: other flags are named only when they differ
  const ScheduleOptions& s = o.schedule;
  const ScheduleOptions& ds = d.schedule;
  std::vector<std::string> args = {
      "dm-thrash",
      "--dir " + ShellQuote(o.dir),
      "--bin " + ShellQuote(o.bin),
      absl::StrCat("--seed ", o.seed),
      "--profile " + std::string(s.profile == Profile::kLong ? "long" : "short"),
      "--duration " + absl::FormatDuration(o.duration),
      absl::StrCat("--clients ", o.clients)};
  auto duration_flag = [&](const char* name, int64_t value_ms, int64_t default_ms) {
    if (value_ms != default_ms) {
      args.push_back(
          absl::StrCat("--", name, " ", absl::FormatDuration(absl::Milliseconds(value_ms))));
    }
  };
  auto int_flag = [&](const char* name, int64_t value, int64_t default_value) {
    if (value != default_value) args.push_back(absl::StrCat("--", name, " ", value));
  };
  duration_flag("gap-min", s.gap_min_ms, ds.gap_min_ms);
  duration_flag("gap-max", s.gap_max_ms, ds.gap_max_ms);
  duration_flag("kill-min", s.kill_min_ms, ds.kill_min_ms);
  duration_flag("kill-max", s.kill_max_ms, ds.kill_max_ms);
  duration_flag("pause-min", s.pause_min_ms, ds.pause_min_ms);
  duration_flag("pause-max", s.pause_max_ms, ds.pause_max_ms);
  duration_flag("service-min", s.service_min_ms, ds.service_min_ms);
  duration_flag("service-max", s.service_max_ms, ds.service_max_ms);
  duration_flag("dependency-min", s.dependency_min_ms, ds.dependency_min_ms);
  duration_flag("dependency-max", s.dependency_max_ms, ds.dependency_max_ms);
  duration_flag("restart-allowance", s.restart_allowance_ms, ds.restart_allowance_ms);
  int_flag("chunk-stores", s.chunk_stores, ds.chunk_stores);
  int_flag("max-stores-down", s.max_stores_down, ds.max_stores_down);
  int_flag("max-others-down", s.max_others_down, ds.max_others_down);
  int_flag("max-live-files", o.load.max_live_files, d.load.max_live_files);
  args.push_back(absl::StrCat("--big-percent ", o.load.big_percent));
  return absl::StrJoin(args, " ");
}

}  // namespace datamesh::thrash
