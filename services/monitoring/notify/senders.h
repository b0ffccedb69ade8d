// The two external integrations, over libcurl: an HTTP POST of a webhook body (signed when a
// secret is configured, payload.h) and an email over SMTP (STARTTLS when the server offers it).
//
// Both map their outcome to a status DeliveryQueue understands: OK for a 2xx / an accepted
// message; UNAVAILABLE (retryable) for no connection, a timeout, a 5xx, a 429 or an SMTP 4xx;
// FAILED_PRECONDITION (final) for any other 4xx or an SMTP 5xx refusal. Messages name the URL or
// host and the code, never the body or a secret.
//
// Thread-safe: every call uses its own curl handle.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/monitoring/notify/payload.h"
#include "shared/crypto/secret.h"

namespace datamesh::monitoring::notify {

// POSTs `body` as application/json to `url` with the timestamp header (`now`), and with a
// non-empty secret the signature header (payload.h).
absl::Status PostWebhook(const std::string& url, const std::string& body,
                         const crypto::SecretBytes* secret, absl::Time now, absl::Duration timeout);

// Sends `message` from `from` to `to` through `smarthost` (host:port).
absl::Status SendEmail(const std::string& smarthost, const std::string& from,
                       const std::vector<std::string>& to, const EmailMessage& message,
                       absl::Time now, absl::Duration timeout);

}  // namespace datamesh::monitoring::notify
