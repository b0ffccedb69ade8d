// Fuzz target: the bearer credential of a request - the Authorization header of REST calls and
// of public gRPC metadata (services/gateway/identity/bearer_token.h), and the live feed's
// upgrade request, which may carry it as ?token= instead (services/gateway/live/live_feed.h).
//
// Input (text): the value, used as the Authorization header and as the ?token= parameter.
//
// Invariants: an accepted secret is 1-4096 characters of [A-Za-z0-9_-], taken from a value
// that starts with "Bearer " in any case, and "Bearer <secret>" gives it back; the header name
// is matched in any case; the feed takes the header's verdict when there is one and a ?token=
// of 1-4096 bytes otherwise; every refusal is UNAUTHENTICATED; TokenHash is 64 lowercase hex
// digits.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.h"
#include "services/gateway/http/request_internal.h"
#include "services/gateway/identity/bearer_token.h"
#include "services/gateway/live/live_feed.h"

namespace {

namespace gw = datamesh::gateway;
using gw::http::internal::RequestAccess;

bool IsSecretChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

void CheckHash(const std::string& secret) {
  const std::string hash = gw::TokenHash(secret);
  FUZZ_CHECK(hash.size() == 64);
  for (char c : hash) FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
}

bool SameResult(const absl::StatusOr<std::string>& a, const absl::StatusOr<std::string>& b) {
  return a.ok() == b.ok() && (!a.ok() || *a == *b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view value = datamesh::fuzz::AsText(data, size);

  const absl::StatusOr<std::string> secret = gw::BearerToken(value);
  if (secret.ok()) {
    FUZZ_CHECK(!secret->empty() && secret->size() <= gw::kMaxSecretLength);
    for (char c : *secret) FUZZ_CHECK(IsSecretChar(c));
    FUZZ_CHECK(value.size() > 7);
    std::string scheme(value.substr(0, 7));
    for (char& c : scheme) c = static_cast<char>(c | 0x20);
    FUZZ_CHECK(scheme == "bearer ");
    const absl::StatusOr<std::string> again = gw::BearerToken("Bearer " + *secret);
    FUZZ_CHECK(again.ok() && *again == *secret);
    CheckHash(*secret);
  } else {
    FUZZ_CHECK(secret.status().code() == absl::StatusCode::kUnauthenticated);
  }
  FUZZ_CHECK(!gw::BearerToken(std::nullopt).ok());

  // The same value in a request's header (name in another case) and then as ?token=.
  gw::http::Request with_header;
  RequestAccess::headers(with_header).emplace_back("authorization", std::string(value));
  FUZZ_CHECK(SameResult(gw::BearerToken(with_header), secret));
  FUZZ_CHECK(SameResult(gw::live::FeedSecret(with_header), secret));

  gw::http::Request with_query;
  RequestAccess::query(with_query).emplace_back("token", std::string(value));
  const absl::StatusOr<std::string> feed = gw::live::FeedSecret(with_query);
  const bool usable = !value.empty() && value.size() <= gw::kMaxSecretLength;
  FUZZ_CHECK(feed.ok() == usable);
  if (feed.ok()) {
    FUZZ_CHECK(*feed == value);
    CheckHash(*feed);
  } else {
    FUZZ_CHECK(feed.status().code() == absl::StatusCode::kUnauthenticated);
  }
  return 0;
}
