// Conditional requests on objects (RFC 9110 section 13, as S3 applies them): If-Match,
// If-None-Match, If-Modified-Since and If-Unmodified-Since on GET and HEAD, and the
// x-amz-copy-source-if-* headers of CopyObject.
//
// Precedence, as S3 documents it: If-Match decides alone when present (true: If-Unmodified-Since
// is ignored; false: 412). Otherwise a failing If-Unmodified-Since is 412. Then If-None-Match
// decides alone when present (a match: 304 on GET/HEAD); otherwise an If-Modified-Since the
// object was not modified since is 304. CopyObject answers 412 for every failing condition.
// ETags compare without their quotes; "*" matches any object; lists are comma-separated. Dates
// are HTTP-dates (IMF-fixdate, RFC 850 or asctime); an unparsable date is ignored, as the RFC
// says. Times compare at whole seconds, the precision of Last-Modified.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "absl/time/time.h"

namespace datamesh::gateway::s3 {

struct Conditions {
  std::optional<std::string_view> if_match;
  std::optional<std::string_view> if_none_match;
  std::optional<std::string_view> if_modified_since;
  std::optional<std::string_view> if_unmodified_since;
};

enum class ConditionOutcome { kProceed, kNotModified, kPreconditionFailed };

// `etag` is the object's ETag without quotes.
ConditionOutcome Evaluate(const Conditions& conditions, std::string_view etag,
                          absl::Time last_modified);

// An HTTP-date, or nullopt.
std::optional<absl::Time> ParseConditionDate(std::string_view text);

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::string FormatHttpDate(absl::Time t);

}  // namespace datamesh::gateway::s3
