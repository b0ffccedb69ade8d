// How the mutation test shows bytes in what it reports.
#include "tests/e2e/mutation/show.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace datamesh::e2e::mutation {

std::string ShowValue(absl::string_view v) {
  return v.size() > 40 ? absl::StrCat("<", v.size(), " bytes>")
                       : absl::StrCat("\"", absl::CHexEscape(v), "\"");
}

std::string Excerpt(absl::string_view s, size_t max) {
  if (s.size() <= max) return absl::CHexEscape(s);
  return absl::StrCat(absl::CHexEscape(s.substr(0, max)), "... (", s.size(), " bytes)");
}

}  // namespace datamesh::e2e::mutation
