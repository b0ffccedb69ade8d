#include "services/governance/operators/admission_listing.h"

#include "absl/strings/str_split.h"

namespace datamesh::governance::operators {

absl::StatusOr<AdmissionPage> ListAdmissions(pqxx::work& tx, int page_size,
                                             const std::string& cursor, absl::Time now) {
  if (page_size < 1 || page_size > 1000) {
    return absl::InvalidArgumentError("page size must be 1-1000");
  }
  if (cursor.size() > 200) return absl::InvalidArgumentError("bad cursor");
  AdmissionPage page;
  // A statement sees every transaction committed before it began, so each decision whose
  // event was written before `now` (taken by the caller before this call) is in these rows.
  page.read_at = now;
  // One row per operator; its nodes as "id:vetted:disqualified" joined by commas.
  const pqxx::result rows = tx.exec_params(
      "SELECT o.id, o.state = 'admitted', COALESCE((SELECT string_agg(n.node_id || ':' || "
      "  (r.vetted_at IS NOT NULL)::int || ':' || (r.disqualified_at IS NOT NULL)::int, ',' "
      "  ORDER BY n.node_id) FROM governance.operator_nodes n LEFT JOIN "
      "  governance.node_reputation r USING (node_id) WHERE n.operator_id = o.id), '') "
      "FROM governance.operators o WHERE o.id COLLATE \"C\" > $1 "
      "ORDER BY o.id COLLATE \"C\" LIMIT $2::int",
      cursor, page_size + 1);
  for (const pqxx::row& r : rows) {
    if (static_cast<int>(page.operators.size()) == page_size) {
      page.next_cursor = page.operators.back().operator_id;
      break;
    }
    OperatorAdmissionRow row{r[0].as<std::string>(), r[1].as<bool>(), {}};
    const std::string nodes = r[2].as<std::string>();
    if (!nodes.empty()) {
      for (absl::string_view n : absl::StrSplit(nodes, ',')) {
        std::vector<std::string> f = absl::StrSplit(n, ':');
        row.nodes.push_back({f[0], f[1] == "1", f[2] == "1"});
      }
    }
    page.operators.push_back(std::move(row));
  }
  return page;
}

}  // namespace datamesh::governance::operators
