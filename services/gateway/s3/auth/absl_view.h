// Debian's Abseil has its own string_view (not std::string_view): conversions at the seam.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace datamesh::gateway::s3 {

inline absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view Sv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace datamesh::gateway::s3
