// The shipped rule file (default_rules.yml), compiled into the binary so the service needs no
// files at run time. Thread-safe.
#pragma once

#include <string_view>

namespace datamesh::monitoring::rules {

// The text of default_rules.yml; its file name in errors and listings is kDefaultRulesName.
std::string_view DefaultRulesYaml();
inline constexpr std::string_view kDefaultRulesName = "default_rules.yml";

}  // namespace datamesh::monitoring::rules
