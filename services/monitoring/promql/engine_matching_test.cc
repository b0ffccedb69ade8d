// Vector matching, set operators and aggregation labels.
#include <gtest/gtest.h>

#include "services/monitoring/promql/engine.h"
#include "services/monitoring/promql/memory_series_source.h"
#include "shared/testing/status_matchers.h"

namespace datamesh::monitoring::promql {
namespace {

using ::datamesh::testing::StatusIs;
using ::testing::HasSubstr;

Labels MatchLabels(std::vector<Label> labels) { return MakeLabels(std::move(labels)); }

class PromqlMatching : public ::testing::Test {
 protected:
  void SetUp() override {
    // errors and requests per (instance, code); capacity per instance; info with a room.
    for (const char* instance : {"a", "b"}) {
      for (const char* code : {"200", "500"}) {
        Add({{"__name__", "requests"}, {"instance", instance}, {"code", code}},
            instance[0] == 'a' ? 10 : 20);
      }
      Add({{"__name__", "capacity"}, {"instance", instance}}, instance[0] == 'a' ? 100 : 200);
      Add({{"__name__", "info"},
           {"instance", instance},
           {"room", instance[0] == 'a' ? "r1" : "r2"}},
          1);
    }
  }
  void Add(std::vector<Label> labels, double v) {
    ASSERT_OK(source_.Add(MatchLabels(std::move(labels)), 0, v));
  }

  absl::StatusOr<Vector> Query(std::string_view q) {
    absl::StatusOr<QueryResult> r = Engine(source_).InstantQuery(q, 1000);
    if (!r.ok()) return r.status();
    return r->vector;
  }

  MemorySeriesSource source_;
};

TEST_F(PromqlMatching, OneToOneMatchesOnAllLabelsButTheName) {
  absl::StatusOr<Vector> v = Query("capacity / capacity");
  ASSERT_OK(v);
  ASSERT_EQ(v->size(), 2u);
  EXPECT_EQ((*v)[0].labels, MatchLabels({{"instance", "a"}}));
  EXPECT_EQ((*v)[0].value, 1);
  absl::StatusOr<Vector> on = Query("requests{code=\"500\"} / on(instance) capacity");
  ASSERT_OK(on);
  ASSERT_EQ(on->size(), 2u);
  EXPECT_EQ((*on)[1].labels, MatchLabels({{"instance", "b"}}));  // on() keeps only its labels
  EXPECT_EQ((*on)[1].value, 0.1);
  absl::StatusOr<Vector> ignoring = Query("requests{code=\"500\"} / ignoring(code) capacity");
  ASSERT_OK(ignoring);
  EXPECT_EQ((*ignoring)[0].labels, MatchLabels({{"instance", "a"}}));
}

TEST_F(PromqlMatching, GroupLeftKeepsTheManySideAndCopiesIncludedLabels) {
  absl::StatusOr<Vector> v = Query("requests / on(instance) group_left(room) info");
  ASSERT_OK(v);
  ASSERT_EQ(v->size(), 4u);
  EXPECT_EQ((*v)[0].labels, MatchLabels({{"code", "200"}, {"instance", "a"}, {"room", "r1"}}));
  absl::StatusOr<Vector> right = Query("capacity * on(instance) group_right requests");
  ASSERT_OK(right);
  ASSERT_EQ(right->size(), 4u);
  EXPECT_EQ((*right)[3].labels, MatchLabels({{"code", "500"}, {"instance", "b"}}));
  EXPECT_EQ((*right)[3].value, 200 * 20);
}

TEST_F(PromqlMatching, AmbiguousMatchesAreExecutionErrors) {
  absl::StatusOr<Vector> many = Query("capacity + on(instance) requests");
  EXPECT_THAT(many, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(many.status().message(), HasSubstr("many-to-many matching not allowed"));
  absl::StatusOr<Vector> implicit = Query("requests + on(instance) capacity");
  EXPECT_THAT(implicit, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(implicit.status().message(), HasSubstr("group_left/group_right"));
  EXPECT_THAT(Query("requests * 2 + ignoring(code) capacity * 0"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Query("abs({__name__=~\"capacity|info\"}) or -capacity"),
              StatusIs(absl::StatusCode::kOk));
  absl::StatusOr<Vector> same = Query("-{__name__=~\"requests|capacity\", code=\"\"} + 0");
  ASSERT_OK(same);
  EXPECT_EQ(same->size(), 2u);
}

TEST_F(PromqlMatching, ComparisonsFilterOrAnswerBool) {
  absl::StatusOr<Vector> filtered = Query("capacity > 150");
  ASSERT_OK(filtered);
  ASSERT_EQ(filtered->size(), 1u);
  EXPECT_EQ((*filtered)[0].labels, MatchLabels({{"__name__", "capacity"}, {"instance", "b"}}));
  absl::StatusOr<Vector> left = Query("150 < capacity");
  ASSERT_OK(left);
  EXPECT_EQ((*left)[0].value, 200);  // the vector's value, not the scalar's
  absl::StatusOr<Vector> boolean = Query("capacity > bool 150");
  ASSERT_OK(boolean);
  ASSERT_EQ(boolean->size(), 2u);
  EXPECT_EQ((*boolean)[0].value, 0);
  EXPECT_EQ((*boolean)[0].labels, MatchLabels({{"instance", "a"}}));
}

TEST_F(PromqlMatching, SetOperatorsCompareSignatures) {
  absl::StatusOr<Vector> v = Query("requests and on(instance) (capacity > 150)");
  ASSERT_OK(v);
  EXPECT_EQ(v->size(), 2u);
  absl::StatusOr<Vector> unless = Query("requests unless requests{code=\"500\"}");
  ASSERT_OK(unless);
  EXPECT_EQ(unless->size(), 2u);
  absl::StatusOr<Vector> either = Query("capacity or on(instance) requests");
  ASSERT_OK(either);
  EXPECT_EQ(either->size(), 2u);  // every requests series matches a capacity one
  absl::StatusOr<Vector> all = Query("capacity or requests");
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 6u);
}

TEST_F(PromqlMatching, AggregationsGroupByAndWithout) {
  absl::StatusOr<Vector> by = Query("sum by (code) (requests)");
  ASSERT_OK(by);
  ASSERT_EQ(by->size(), 2u);
  EXPECT_EQ((*by)[0].labels, MatchLabels({{"code", "200"}}));
  EXPECT_EQ((*by)[0].value, 30);
  absl::StatusOr<Vector> without = Query("max without (code) (requests)");
  ASSERT_OK(without);
  EXPECT_EQ((*without)[1].labels, MatchLabels({{"instance", "b"}}));
  absl::StatusOr<Vector> stats = Query("stddev(requests)");
  ASSERT_OK(stats);
  EXPECT_EQ((*stats)[0].value, 5);
  EXPECT_EQ((*Query("count(requests)"))[0].value, 4);
  EXPECT_EQ((*Query("avg(capacity)"))[0].value, 150);
  EXPECT_EQ((*Query("min(capacity)"))[0].value, 100);
  absl::StatusOr<Vector> top = Query("topk(1, capacity)");
  ASSERT_OK(top);
  ASSERT_EQ(top->size(), 1u);
  EXPECT_EQ((*top)[0].labels, MatchLabels({{"__name__", "capacity"}, {"instance", "b"}}));
  absl::StatusOr<Vector> bottom = Query("bottomk by (code) (1, requests)");
  ASSERT_OK(bottom);
  ASSERT_EQ(bottom->size(), 2u);
  EXPECT_EQ((*bottom)[0].value, 10);
  EXPECT_TRUE(Query("topk(0, capacity)")->empty());
}

}  // namespace
}  // namespace datamesh::monitoring::promql
