#include "services/monitoring/notify/senders.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace datamesh::monitoring::notify {
namespace {

using Easy = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using Headers = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

Easy NewEasy() {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return Easy(curl_easy_init(), &curl_easy_cleanup);
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// The upload side of an SMTP transfer: the message text, read in pieces.
struct Upload {
  std::string text;
  size_t at = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  const size_t count = std::min(size * n, u->text.size() - u->at);
  std::memcpy(buffer, u->text.data() + u->at, count);
  u->at += count;
  return count;
}

// Header values must not carry line breaks (header injection).
std::string OneLine(const std::string& s) {
  return absl::StrReplaceAll(s, {{"\r", " "}, {"\n", " "}});
}

absl::Status TransportError(const std::string& where, CURLcode code, const char* detail) {
  return absl::UnavailableError(
      absl::StrCat(where, ": ", curl_easy_strerror(code),
                   detail[0] != '\0' ? absl::StrCat(" (", detail, ")") : ""));
}

}  // namespace

absl::Status PostWebhook(const std::string& url, const std::string& body,
                         const crypto::SecretBytes* secret, absl::Time now,
                         absl::Duration timeout) {
  Easy easy = NewEasy();
  if (!easy) return absl::InternalError("curl_easy_init failed");
  Headers headers(nullptr, &curl_slist_free_all);
  auto add = [&headers](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  add("Content-Type: application/json");
  add("User-Agent: datamesh-monitoring");
  const int64_t ts = absl::ToUnixSeconds(now);
  add(absl::StrCat(kTimestampHeader, ": ", ts));
  if (secret != nullptr && !secret->empty()) {
    absl::StatusOr<std::string> sig = SignBody(secret->view(), ts, body);
    if (!sig.ok()) return sig.status();
    add(absl::StrCat(kSignatureHeader, ": ", *sig));
  }
  char error[CURL_ERROR_SIZE] = "";
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  const CURLcode code = curl_easy_perform(e);
  if (code != CURLE_OK) return TransportError(url, code, error);
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return absl::OkStatus();
  const std::string message = absl::StrCat(url, " answered HTTP ", status);
  if (status == 429 || status >= 500) return absl::UnavailableError(message);
  return absl::FailedPreconditionError(message);
}

absl::Status SendEmail(const std::string& smarthost, const std::string& from,
                       const std::vector<std::string>& to, const EmailMessage& message,
                       absl::Time now, absl::Duration timeout) {
  Easy easy = NewEasy();
  if (!easy) return absl::InternalError("curl_easy_init failed");
  Headers recipients(nullptr, &curl_slist_free_all);
  std::string to_header;
  for (const std::string& address : to) {
    recipients.reset(
        curl_slist_append(recipients.release(), absl::StrCat("<", address, ">").c_str()));
    absl::StrAppend(&to_header, to_header.empty() ? "" : ", ", OneLine(address));
  }
  Upload upload;
  upload.text = absl::StrCat(
      "From: ", OneLine(from), "\r\nTo: ", to_header, "\r\nSubject: ", OneLine(message.subject),
      "\r\nDate: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", now, absl::UTCTimeZone()),
      "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n",
      absl::StrReplaceAll(message.body, {{"\r\n", "\r\n"}, {"\n", "\r\n"}}));
  char error[CURL_ERROR_SIZE] = "";
  CURL* e = easy.get();
  const std::string url = absl::StrCat("smtp://", smarthost);
  const std::string mail_from = absl::StrCat("<", from, ">");
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(e, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(e, CURLOPT_READDATA, &upload);
  curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(e);
  if (code == CURLE_OK) return absl::OkStatus();
  long reply = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply);
  // A permanent SMTP refusal (5xx: unknown mailbox, relaying denied) will not change on retry.
  if (reply >= 500) {
    return absl::FailedPreconditionError(
        absl::StrCat(smarthost, " refused the message: SMTP ", reply, " (", error, ")"));
  }
  return TransportError(smarthost, code, error);
}

}  // namespace datamesh::monitoring::notify
