#include "services/monitoring/rules/rule_template.h"

#include <gtest/gtest.h>

#include <cmath>

#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::rules {
namespace {

using ::datamesh::testing::StatusIs;

const promql::Labels kLabels =
    promql::MakeLabels({{"__name__", "up"}, {"service", "chunk-store"}, {"instance", "n1"}});

TEST(RuleTemplate, ExpandsLabelsAndValues) {
  EXPECT_EQ(
      ExpandTemplate("{{ $labels.service }}/{{$labels.instance}} is {{ $value }}", kLabels, 0),
      "chunk-store/n1 is 0");
  EXPECT_EQ(ExpandTemplate("{{ $labels.zone }}", kLabels, 0), "<no value>");
  EXPECT_EQ(ExpandTemplate("{{ $value | humanizePercentage }} used", kLabels, 0.8712345),
            "87.12% used");
  EXPECT_EQ(ExpandTemplate("{{ $value | humanize }}B", kLabels, 1234567), "1.235MB");
  EXPECT_EQ(ExpandTemplate("{{ $value | humanize }}s", kLabels, 0.0025), "2.5ms");
  EXPECT_EQ(ExpandTemplate("{{ $value | humanize1024 }}B", kLabels, 3 * 1024 * 1024), "3MiB");
  EXPECT_EQ(ExpandTemplate("a  {{- $labels.instance -}}  b", kLabels, 0), "an1b");
}

TEST(RuleTemplate, PrintsValuesAsGoDoes) {
  EXPECT_EQ(GoFloatString(0.5), "0.5");
  EXPECT_EQ(GoFloatString(100), "100");
  EXPECT_EQ(GoFloatString(123456), "123456");
  EXPECT_EQ(GoFloatString(1e6), "1e+06");
  EXPECT_EQ(GoFloatString(123456789), "1.23456789e+08");
  EXPECT_EQ(GoFloatString(0.0001), "0.0001");
  EXPECT_EQ(GoFloatString(0.00001), "1e-05");
  EXPECT_EQ(GoFloatString(-2.5), "-2.5");
  EXPECT_EQ(GoFloatString(NAN), "NaN");
  EXPECT_EQ(GoFloatString(-INFINITY), "-Inf");
}

TEST(RuleTemplate, RefusesWhatItCannotRenderLikePrometheus) {
  EXPECT_OK(CheckTemplate("plain text {{ $labels.a }} {{ $value | humanize }}"));
  for (const char* bad : {"{{ $labels.a ", "{{ printf \"%.2f\" $value }}", "{{ .Labels.a }}",
                          "{{ $value | title }}", "{{ $labels.1a }}"}) {
    EXPECT_THAT(CheckTemplate(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

}  // namespace
}  // namespace datamesh::monitoring::rules
