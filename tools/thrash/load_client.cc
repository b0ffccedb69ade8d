#include "tools/thrash/load_client.h"

#include <thread>

#include "absl/strings/str_cat.h"

namespace datamesh::thrash {
namespace {

constexpr auto kPauseAfterFailure = std::chrono::milliseconds(500);

bool Is2xx(long status) { return status >= 200 && status < 300; }

// Errors worth another attempt: the stack may be back in a moment.
bool Retryable(long status) {
  return status == 0 || status == 401 || status == 408 || status == 429 || status >= 500;
}

}  // namespace

LoadClient::LoadClient(int index, const LoadOptions& options, const Content& content, Tally& tally,
                       std::unique_ptr<GatewayClient> gateway, OutageReport outages)
    : index_(index),
      options_(options),
      content_(content),
      tally_(tally),
      gateway_(std::move(gateway)),
      outages_(std::move(outages)),
      // Part 0 of the seed is the schedule's; client i draws from part i + 1.
      rng_(Rng::For(options.seed, static_cast<uint64_t>(index) + 1)) {}

absl::Status LoadClient::SetUp(GatewayClient& admin) {
  username_ = absl::StrCat("thrash-", options_.run_tag, "-c", index_);
  password_ = absl::StrCat("pw-", options_.seed, "-", index_, "-", options_.run_tag);
  const Reply registered = gateway_->Call(
      "POST", "/api/v1/auth/register",
      {{"username", username_}, {"email", username_ + "@thrash.invalid"}, {"password", password_}});
  if (registered.status != 201) {
    return absl::FailedPreconditionError(
        absl::StrCat("registering ", username_, ": ", registered.Cause(), " ", registered.body));
  }
  const std::string id = JsonString(JsonField(registered.Json(), "user"), "id");
  const Reply tier = admin.Call("PUT", "/api/v1/admin/users/" + id, {{"tier", "enterprise"}});
  if (tier.status != 200) {
    return absl::FailedPreconditionError(
        absl::StrCat("putting ", username_, " on the enterprise tier: ", tier.Cause()));
  }
  return LogIn();
}

absl::Status LoadClient::LogIn() {
  gateway_->set_token("");
  const Reply r = gateway_->Call("POST", "/api/v1/auth/login",
                                 {{"username", username_}, {"password", password_}});
  const std::string token = r.status == 200 ? JsonString(r.Json(), "token") : "";
  if (token.empty()) {
    return absl::UnavailableError(absl::StrCat("login of ", username_, ": ", r.Cause()));
  }
  gateway_->set_token(token);
  return absl::OkStatus();
}

void LoadClient::Run(const std::atomic<bool>& stop) {
  while (!stop) {
    Mix mix{0, 0, options_.max_live_files};
    for (const FileRecord& f : files_) {
      mix.live_files += f.state == FileState::kLive;
      mix.deleted_files += f.state == FileState::kDeleted;
    }
    failed_last_ = false;
    switch (PickOperation(rng_, mix)) {
      case Operation::kUpload: Upload(); break;
      case Operation::kDelete: Delete(*PickDeletable()); break;
      case Operation::kDownload: Download(*PickFile(FileState::kLive), false); break;
      case Operation::kDownloadRange: Download(*PickFile(FileState::kLive), true); break;
      case Operation::kCheckDeletedGone: CheckGone(*PickFile(FileState::kDeleted)); break;
    }
    if (failed_last_) Pause(stop);
  }
}

void LoadClient::Pause(const std::atomic<bool>& stop) {
  if (!stop) std::this_thread::sleep_for(kPauseAfterFailure);
}

FileRecord* LoadClient::PickFile(FileState state) {
  std::vector<FileRecord*> candidates;
  for (FileRecord& f : files_) {
    if (f.state == state) candidates.push_back(&f);
  }
  // PickOperation asks only for states that have files.
  return candidates[static_cast<size_t>(
      rng_.Between(0, static_cast<int64_t>(candidates.size()) - 1))];
}

FileRecord* LoadClient::PickDeletable() {
  std::vector<FileRecord*> candidates;
  for (FileRecord& f : files_) {
    if (f.state == FileState::kLive || f.state == FileState::kDeleteUnknown) {
      candidates.push_back(&f);
    }
  }
  return candidates[static_cast<size_t>(
      rng_.Between(0, static_cast<int64_t>(candidates.size()) - 1))];
}

std::string LoadClient::Describe(const FileRecord& f) const {
  return absl::StrCat(
      FileName(index_, f.number), " (", f.size, " B", f.id.empty() ? "" : ", id " + f.id,
      f.out_at_upload.empty() ? "" : ", uploaded while out: " + f.out_at_upload, ")");
}

bool LoadClient::Unwanted(const std::string& op, const Reply& reply, const std::string& what,
                          const std::string& cause_note) {
  failed_last_ = true;
  const std::string evidence =
      absl::StrCat(what, ", request ", reply.request_id, ", out: ", outages_(), ": ",
                   reply.status == 0 ? reply.transport_error : reply.body);
  const bool download = op.rfind("download", 0) == 0;
  if (reply.status == 0 && !download) {
    tally_.Violation(absl::StrCat(op, " failed without an HTTP answer: ", evidence));
  } else if (reply.status != 0 && reply.status < 400) {
    tally_.Violation(
        absl::StrCat(op, " answered an unexpected HTTP ", reply.status, ": ", evidence));
  } else if (reply.status >= 400 && reply.ErrorCode().empty()) {
    tally_.Violation(absl::StrCat(op, " answered HTTP ", reply.status,
                                  " without the JSON error body: ", evidence));
  } else {
    tally_.Failed(op, reply.Cause() + cause_note, evidence);
  }
  if (reply.status == 401) {
    // Sessions live in Redis: a restarted Redis forgets them.
    if (absl::Status s = LogIn(); !s.ok()) tally_.Failed("login", "login failed", s.ToString());
  }
  return Retryable(reply.status);
}

void LoadClient::Upload() {
  files_.push_back(FileRecord{files_.size(), PickFileSize(rng_, options_.big_percent)});
  const size_t slot = files_.size() - 1;
  const std::string name = FileName(index_, files_[slot].number);
  for (int attempt = 1; attempt <= options_.upload_attempts; ++attempt) {
    FileRecord& f = files_[slot];
    std::string sent_sha256;
    const Reply r = gateway_->Upload(content_, FileKeyOf(f.number), f.size, name, &sent_sha256);
    if (r.status != 201) {
      ++f.failed_attempts;
      ++failed_uploads_;
      failed_upload_bytes_ += f.size;
      if (!Unwanted("upload", r, Describe(f)) || attempt == options_.upload_attempts) return;
      std::this_thread::sleep_for(kPauseAfterFailure * attempt);
      continue;
    }
    const nlohmann::json body = r.Json();
    const nlohmann::json& file = JsonField(body, "file");
    f.id = JsonString(file, "id");
    const uint64_t size = JsonUint(JsonField(file, "size"), ~uint64_t{0});
    const std::string sha256 = JsonString(file, "sha256");
    if (f.id.empty() || size != f.size || sha256 != sent_sha256) {
      tally_.Violation(absl::StrCat("upload of ", Describe(f), " acknowledged as ", r.body,
                                    " (sent ", f.size, " B with SHA-256 ", sent_sha256,
                                    "), request ", r.request_id));
      if (f.id.empty()) return;
    }
    f.state = FileState::kLive;
    f.out_at_upload = outages_();
    tally_.Ok("upload");
    return;
  }
}

void LoadClient::Delete(FileRecord& f) {
  const Reply r = gateway_->Call("DELETE", "/api/v1/files/" + f.id, nullptr);
  if (r.status == 204 || (r.status == 404 && f.state == FileState::kDeleteUnknown)) {
    // A 404 after an unanswered delete: that delete did it.
    f.state = FileState::kDeleted;
    tally_.Ok("delete");
    return;
  }
  if (r.status == 404) {
    tally_.Violation(absl::StrCat("delete of acknowledged ", Describe(f), " answered 404, request ",
                                  r.request_id));
    f.state = FileState::kDeleted;  // gone, whatever took it: not asked for again
    return;
  }
  Unwanted("delete", r, Describe(f));
  f.state = FileState::kDeleteUnknown;
}

void LoadClient::Download(const FileRecord& f, bool ranged) {
  ranged = ranged && f.size > 0;
  const ByteRange range = ranged ? PickRange(rng_, f.size) : ByteRange{0, f.size};
  const std::string op = ranged ? "download-range" : "download";
  const std::string what = ranged ? absl::StrCat(Describe(f), " bytes ", range.offset, "-",
                                                 range.offset + range.length - 1)
                                  : Describe(f);
  const DownloadReply d =
      gateway_->Download(content_, FileKeyOf(f.number), f.id, range.offset, range.length, ranged);
  const Reply& r = d.reply;
  if (!d.wrong_bytes.empty()) {
    tally_.Violation(absl::StrCat(op, " of ", what, " answered 2xx with wrong bytes: ",
                                  d.wrong_bytes, ", request ", r.request_id));
    return;
  }
  if (r.status == (ranged ? 206 : 200)) {
    const std::string want_range =
        absl::StrCat("bytes ", range.offset, "-", range.offset + range.length - 1, "/", f.size);
    if (d.received != range.length) {
      tally_.Violation(absl::StrCat(op, " of ", what, " answered ", r.status,
                                    " but its body ended after ", d.received, " of ", range.length,
                                    " bytes without a transport error, request ", r.request_id));
    } else if (ranged && r.headers.count("content-range") &&
               r.headers.at("content-range") != want_range) {
      tally_.Violation(absl::StrCat(op, " of ", what, " answered Content-Range ",
                                    r.headers.at("content-range"), ", request ", r.request_id));
    } else {
      tally_.Ok(op);
    }
    return;
  }
  if (r.status == 404) {
    tally_.Violation(absl::StrCat(op, " of acknowledged, undeleted ", what,
                                  " answered 404, request ", r.request_id));
    return;
  }
  // Shards out of reach (500 for DATA_LOSS, or a body cut mid-way) are expected of a file
  // written while stores were out (degraded, it survives fewer losses); of one written with
  // everything up they are worth a look, so the two are tallied apart.
  const bool shards_missing = r.status == 0 || r.status == 500;
  const std::string note = !shards_missing                ? ""
                           : f.out_at_upload == "nothing" ? " (written with all up)"
                                                          : " (written degraded)";
  Unwanted(op, r, what, note);
}

void LoadClient::CheckGone(const FileRecord& f) {
  const DownloadReply d = gateway_->Download(content_, FileKeyOf(f.number), f.id, 0, f.size, false);
  if (!d.wrong_bytes.empty() || Is2xx(d.reply.status)) {
    tally_.Violation(absl::StrCat("deleted ", Describe(f), " was served again (", d.reply.status,
                                  "), request ", d.reply.request_id));
    return;
  }
  if (d.reply.status == 404) {
    tally_.Ok("check-deleted-gone");
    return;
  }
  Unwanted("check-deleted-gone", d.reply, Describe(f));
}

}  // namespace datamesh::thrash
