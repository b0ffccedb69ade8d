// Strict UTF-8 (RFC 3629): what may cross into a protobuf `string` field, a JSON document or a
// log line. Overlong forms, surrogates (U+D800..U+DFFF) and code points past U+10FFFF are
// invalid, as protobuf's and every strict JSON parser's checks hold them to be.
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace datamesh::text {

// Length (1-4) of the valid UTF-8 sequence that starts at s[i], or 0 if none starts there.
// Precondition: i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);

// True if all of `s` is valid UTF-8.
bool IsValidUtf8(std::string_view s);

// `s` with each byte that starts no valid sequence replaced by U+FFFD.
std::string ToValidUtf8(std::string_view s);

// True if `s` holds a control character: C0 (U+0000..U+001F), DEL, or C1 (U+0080..U+009F,
// encoded C2 80..C2 9F) — what names and keys may not hold.
bool HasControlCharacter(std::string_view s);

}  // namespace datamesh::text
