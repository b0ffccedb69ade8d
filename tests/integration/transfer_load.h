// Client threads that upload, download and delete continuously through the gateway's REST API as
// one user, while a test injects a fault (a dependency stopped and started). Each thread works
// on its own files: it uploads one (sizes from inline to two segments), downloads it, deletes
// every third one it stored, and downloads one of its earlier files, round and round until
// Stop(). What each call answered is tallied per phase of the fault (before, during, after).
//
// Checked on the spot, whatever the phase: an acknowledged upload answers the size and SHA-256
// of what was sent, a refused one an HTTP error with its code (not 500); a download is either
// byte-identical or an error the client can see (never a complete-looking body with wrong
// bytes). Whether acknowledged files survive is for the test to check afterwards, from files()
// and uncertain_deletes().
//
// Thread-safe; the accessors of the files are meant for after Stop().
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/testing/wait_for.h"
#include "tests/integration/pattern_content.h"
#include "tests/integration/rest_client.h"

namespace datamesh::integration {

struct StoredFile {
  std::string id;
  std::string name;
  uint64_t seed = 0;
  uint64_t size = 0;
};

class TransferLoad {
 public:
  enum Phase { kBefore = 0, kDuring = 1, kAfter = 2 };

  // Starts `threads` clients of the user whose API key is `token`; seeds and names start at
  // `first_seed` (distinct per load).
  TransferLoad(const std::string& gateway, const std::filesystem::path& scratch,
               const std::string& token, int threads, uint64_t first_seed) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, t, gateway, token, first_seed,
                             dir = scratch / absl::StrCat("load-", first_seed, "-", t)] {
        RestClient client(gateway, dir, token);
        Run(client, first_seed + 100000 * t);
      });
    }
  }
  ~TransferLoad() { Stop(); }
  TransferLoad(const TransferLoad&) = delete;
  TransferLoad& operator=(const TransferLoad&) = delete;

  void set_phase(Phase phase) { phase_ = phase; }
  // Uploads started / acknowledged in `phase`.
  int Attempts(Phase phase) const { return attempts_[phase].load(); }
  int Acknowledged(Phase phase) const { return acknowledged_[phase].load(); }

  // Lets every thread finish its current call, then joins them.
  void Stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  // Acknowledged uploads not deleted with an acknowledged DELETE, by id.
  std::map<std::string, StoredFile> files() const {
    std::lock_guard<std::mutex> lock(mu_);
    return files_;
  }
  // Of files(), those whose DELETE failed: they may or may not still exist.
  std::set<std::string> uncertain_deletes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return uncertain_;
  }
  // How the calls ended, per phase: "during: uploads {201: 4, 503 UNAVAILABLE: 2}, ...".
  std::string Summary() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    const char* names[] = {"before", "during", "after"};
    for (int p = 0; p < 3; ++p) {
      absl::StrAppend(&out, names[p], ": uploads {", Join(uploads_[p]), "} downloads {",
                      Join(downloads_[p]), "} deletes {", Join(deletes_[p]), "}\n");
    }
    return out;
  }

 private:
  static constexpr uint64_t kSizes[] = {1000, 300 << 10, (1 << 20) + 7, (5 << 20) + 3};

  static std::string Join(const std::map<std::string, int>& tally) {
    return absl::StrJoin(tally, ", ", [](std::string* out, const auto& kv) {
      absl::StrAppend(out, kv.first, ": ", kv.second);
    });
  }
  void Count(std::map<std::string, int> (&tally)[3], int phase, const std::string& kind) {
    std::lock_guard<std::mutex> lock(mu_);
    ++tally[phase][kind];
  }

  // Downloads `f` and checks what the client was shown.
  void CheckDownload(RestClient& client, const StoredFile& f, int phase) {
    const DownloadOutcome d = client.Download(f.id, f.seed, {}, 60);
    EXPECT_FALSE(d.mismatch.has_value()) << f.name << ": wrong bytes: " << d.Describe();
    EXPECT_TRUE(d.VisibleError() || d.Identical(f.seed, f.size))
        << f.name << " answered as complete but not identical: " << d.Describe();
    Count(downloads_, phase,
          d.VisibleError() ? absl::StrCat(d.http_status, " (curl ", d.curl_exit, ")") : "200");
  }

  void Run(RestClient& client, uint64_t first_seed) {
    std::vector<StoredFile> mine;  // acknowledged and not deleted
    for (uint64_t n = 0; !stop_; ++n) {
      const int phase = phase_;
      ++attempts_[phase];
      StoredFile f{"", absl::StrCat("load/", first_seed + n), first_seed + n, kSizes[n % 4]};
      const UploadOutcome up = client.Upload(f.name, f.seed, f.size, {}, 60);
      Count(uploads_, phase, up.Kind());
      if (up.Acknowledged()) {
        f.id = up.FileField("id");
        EXPECT_EQ(up.FileField("size"), std::to_string(f.size)) << up.Describe();
        EXPECT_EQ(up.FileField("sha256"), PatternSha256Hex(f.seed, f.size)) << up.Describe();
        ++acknowledged_[phase];
        {
          std::lock_guard<std::mutex> lock(mu_);
          files_[f.id] = f;
        }
        CheckDownload(client, f, phase);
        if (n % 3 == 2) {
          Delete(client, f, phase);
        } else {
          mine.push_back(f);
        }
      } else {
        // A refusal the client can act on: an HTTP error with its code, not an internal error.
        EXPECT_TRUE(up.http_status >= 400 && up.http_status != 500 && !up.ErrorCode().empty())
            << f.name << ": " << up.Describe();
        // Failing fast: give the fault a moment rather than spin.
        datamesh::testing::WaitFor([this] { return stop_.load(); }, absl::Milliseconds(250));
      }
      if (!mine.empty()) CheckDownload(client, mine[n % mine.size()], phase);
    }
  }

  void Delete(RestClient& client, const StoredFile& f, int phase) {
    const e2e::Reply r = client.Json("DELETE", "/files/" + f.id);
    Count(deletes_, phase, absl::StrCat(r.code));
    std::lock_guard<std::mutex> lock(mu_);
    if (r.code == 204) {
      files_.erase(f.id);
    } else {
      uncertain_.insert(f.id);
    }
  }

  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> phase_{kBefore};
  std::atomic<int> attempts_[3] = {0, 0, 0};
  std::atomic<int> acknowledged_[3] = {0, 0, 0};
  mutable std::mutex mu_;
  std::map<std::string, StoredFile> files_;
  std::set<std::string> uncertain_;
  std::map<std::string, int> uploads_[3];
  std::map<std::string, int> downloads_[3];
  std::map<std::string, int> deletes_[3];
};

}  // namespace datamesh::integration
