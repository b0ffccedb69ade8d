#include "tools/thrash/final_check.h"

#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "tools/thrash/usage_probe.h"

namespace datamesh::thrash {
namespace {

constexpr absl::Duration kRetryPause = absl::Seconds(1);
constexpr int kListPage = 1000;
constexpr size_t kShownUnhealthy = 10;

// Answers that may be the stack still settling rather than a final "no".
bool Settling(long status) {
  return status == 0 || status == 401 || status == 408 || status == 429 || status >= 500;
}

}  // namespace

Reply FinalCheck::Retrying(const std::function<Reply()>& call, absl::Time deadline) {
  Reply r = call();
  while (Settling(r.status) && absl::Now() < deadline) {
    if (r.status == 401) (void)client_.LogIn();
    absl::SleepFor(kRetryPause);
    r = call();
  }
  return r;
}

void FinalCheck::Run() {
  std::vector<Listed> listed;
  if (!List(listed)) return;
  CheckListing(listed);
  CheckBytes(listed);
  WaitHealthy(listed);
  CheckUsage(listed);
}

bool FinalCheck::List(std::vector<Listed>& out) {
  const absl::Time deadline = absl::Now() + options_.read_deadline;
  std::string cursor;
  do {
    const std::string path =
        absl::StrCat("/api/v1/files?limit=", kListPage, cursor.empty() ? "" : "&cursor=" + cursor);
    const Reply r =
        Retrying([&] { return client_.gateway().Call("GET", path, nullptr); }, deadline);
    const nlohmann::json page = r.Json();
    if (r.status != 200 || !page.is_object()) {
      tally_.Violation(absl::StrCat(client_.username(), ": the file listing failed at the end: ",
                                    r.Cause(), ", request ", r.request_id));
      return false;
    }
    const nlohmann::json& files = JsonField(page, "files");
    for (const nlohmann::json& f : files.is_array() ? files : nlohmann::json::array()) {
      out.push_back({JsonString(f, "id"), JsonString(f, "name"), JsonUint(JsonField(f, "size"))});
    }
    cursor = JsonString(page, "nextCursor");
  } while (!cursor.empty());
  return true;
}

void FinalCheck::CheckListing(const std::vector<Listed>& listed) {
  const std::vector<FileRecord>& files = client_.files();
  std::map<std::string, const Listed*> by_id;
  std::map<uint64_t, int> unacknowledged;  // file number -> listed files no 201 named
  for (const Listed& l : listed) {
    by_id[l.id] = &l;
    const std::optional<FileNumber> n = ParseFileName(l.name);
    if (!n || n->client != client_.index() || n->number >= files.size()) {
      tally_.Violation(absl::StrCat(client_.username(), ": the listing holds a file no client of",
                                    " this run uploaded: ", l.name, " (id ", l.id, ")"));
      continue;
    }
    const FileRecord& f = files[n->number];
    if (l.id != f.id && ++unacknowledged[f.number] > f.failed_attempts) {
      tally_.Violation(absl::StrCat(client_.username(), ": ", l.name, " (id ", l.id,
                                    ") is listed but no upload attempt can explain it"));
    }
  }
  for (const FileRecord& f : files) {
    auto it = f.id.empty() ? by_id.end() : by_id.find(f.id);
    const std::string name = FileName(client_.index(), f.number);
    if (f.state == FileState::kLive && it == by_id.end()) {
      tally_.Violation(absl::StrCat(client_.username(), ": acknowledged ", name, " (id ", f.id,
                                    ") is missing from the listing"));
    } else if (f.state == FileState::kLive && it->second->size != f.size) {
      tally_.Violation(absl::StrCat(client_.username(), ": ", name, " is listed with ",
                                    it->second->size, " B, uploaded with ", f.size, " B"));
    } else if (f.state == FileState::kDeleted && it != by_id.end()) {
      tally_.Violation(
          absl::StrCat(client_.username(), ": deleted ", name, " (id ", f.id, ") is listed again"));
    }
  }
}

void FinalCheck::CheckBytes(const std::vector<Listed>& listed) {
  const absl::Time deadline = absl::Now() + options_.read_deadline;
  const std::vector<FileRecord>& files = client_.files();
  for (const Listed& l : listed) {
    const std::optional<FileNumber> n = ParseFileName(l.name);
    if (!n || n->client != client_.index() || n->number >= files.size()) continue;
    const uint64_t key = client_.FileKeyOf(n->number);
    DownloadReply d = client_.gateway().Download(content_, key, l.id, 0, l.size, false);
    while (d.wrong_bytes.empty() && Settling(d.reply.status) && absl::Now() < deadline) {
      if (d.reply.status == 401) (void)client_.LogIn();
      absl::SleepFor(kRetryPause);
      d = client_.gateway().Download(content_, key, l.id, 0, l.size, false);
    }
    const std::string what = absl::StrCat(client_.username(), ": ", l.name, " (id ", l.id, ", ",
                                          l.size, " B), request ", d.reply.request_id);
    if (!d.wrong_bytes.empty()) {
      tally_.Violation(absl::StrCat("final read of ", what, ": wrong bytes: ", d.wrong_bytes));
    } else if (d.reply.status != 200) {
      tally_.Violation(absl::StrCat("final read of ", what, " failed: ", d.reply.Cause(), " ",
                                    d.reply.status == 0 ? d.reply.transport_error : d.reply.body));
    } else if (d.received != l.size) {
      tally_.Violation(absl::StrCat("final read of ", what, " ended after ", d.received, " B"));
    } else {
      tally_.Ok("final-read");
    }
  }
  for (const FileRecord& f : files) {
    if (f.state != FileState::kDeleted) continue;
    const Reply r = Retrying(
        [&] {
          return client_.gateway().Call("GET", "/api/v1/files/" + f.id + "/metadata", nullptr);
        },
        deadline);
    if (r.status == 404) {
      tally_.Ok("final-deleted-gone");
    } else {
      tally_.Violation(absl::StrCat(
          client_.username(), ": deleted ", FileName(client_.index(), f.number), " (id ", f.id,
          ") answers ", r.Cause(), " at the end, request ", r.request_id));
    }
  }
}

void FinalCheck::WaitHealthy(const std::vector<Listed>& listed) {
  const absl::Time deadline = absl::Now() + options_.health_deadline;
  std::map<std::string, std::string> not_healthy;  // id -> last health answer
  for (const Listed& l : listed) not_healthy[l.id] = "not asked yet";
  while (!not_healthy.empty()) {
    for (auto it = not_healthy.begin(); it != not_healthy.end();) {
      const Reply r =
          client_.gateway().Call("GET", "/api/v1/files/" + it->first + "/health", nullptr);
      if (r.status == 401) (void)client_.LogIn();
      const nlohmann::json h = r.Json();
      if (r.status == 200 && JsonString(h, "state") == "healthy") {
        it = not_healthy.erase(it);
      } else {
        it->second = r.status == 200 ? r.body : r.Cause();
        ++it;
      }
    }
    if (not_healthy.empty() || absl::Now() >= deadline) break;
    absl::SleepFor(absl::Seconds(2));
  }
  if (not_healthy.empty()) {
    tally_.Ok("final-health");
    return;
  }
  std::vector<std::string> shown;
  for (const auto& [id, last] : not_healthy) {
    if (shown.size() == kShownUnhealthy) break;
    shown.push_back(absl::StrCat(id, ": ", last));
  }
  tally_.Violation(absl::StrCat(client_.username(), ": ", not_healthy.size(), " of ", listed.size(),
                                " files not healthy after ",
                                absl::FormatDuration(options_.health_deadline), ": ",
                                absl::StrJoin(shown, "; ")));
}

std::string FinalCheck::WhyUsageDiffers(uint64_t files_bytes) {
  absl::StatusOr<UsageSplit> split =
      GetUsageSplit(options_.gateway_grpc_address, client_.gateway().token());
  if (!split.ok()) return "QuotaService.GetUsage: " + split.status().ToString();
  // With every upload over, a reservation still live is one nobody will commit or release: a
  // failed upload's release the gateway gave up retrying or lost in a restart (held, until
  // --reservation-ttl), or a commit whose manifest never followed and that quota's usage
  // reconciliation has not retired yet (committed).
  return absl::StrCat("quota counts ", split->stored_bytes, " B stored",
                      split->stored_bytes == files_bytes ? " (right)" : " (wrong)", " and ",
                      split->reserved_bytes, " B in reservations no upload holds any more; ",
                      client_.failed_uploads(), " upload attempts failed, declaring ",
                      client_.failed_upload_bytes(), " B");
}

void FinalCheck::CheckUsage(const std::vector<Listed>& listed) {
  uint64_t want = 0;
  for (const Listed& l : listed) want += l.size;
  const absl::Time deadline = absl::Now() + options_.quota_deadline;
  uint64_t seen = 0;
  std::string last;
  while (true) {
    const Reply r = Retrying(
        [&] { return client_.gateway().Call("GET", "/api/v1/auth/profile", nullptr); }, deadline);
    const nlohmann::json profile = r.Json();
    if (r.status == 200 && profile.is_object()) {
      // Proto JSON leaves a zero out.
      seen = JsonUint(JsonField(JsonField(profile, "usage"), "storageBytes"));
      if (seen == want) {
        tally_.Ok("final-usage");
        return;
      }
      last = absl::StrCat("usage.storageBytes ", seen);
    } else {
      last = absl::StrCat("profile: ", r.Cause());
    }
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Seconds(2));
  }
  tally_.Violation(
      absl::StrCat(client_.username(), ": storage usage does not match the files: ", last, ", the ",
                   listed.size(), " listed files hold ", want, " B (after ",
                   absl::FormatDuration(options_.quota_deadline), "); ", WhyUsageDiffers(want)));
}

}  // namespace datamesh::thrash
