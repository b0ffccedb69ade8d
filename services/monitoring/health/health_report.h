// The system's health (GET /monitoring/health) from what monitoring already knows: the service
// instances heard from (scrape targets) and whether their last scrape answered (`up`), the
// storage nodes heard from, and the firing alerts. Named checks, Ceph style:
//
//   SERVICE_DOWN        ERR  a service has instances but none answers
//   INSTANCES_DOWN      WARN some instances of a service do not answer
//   NODES_DOWN          ERR  storage nodes stopped heartbeating (in the last hour)
//   DURABILITY_MARGIN   WARN segments at their last spare shard; ERR segments below k live
//   <alertname>         ERR for a critical alert, WARN otherwise; summary, description and
//                       remediation from its annotations, one check per rule
//
// Score: 100, minus 20 per ERR and 5 per WARN, at least 0. Status: "down" when a service has no
// answering instance, "degraded" when any check is not OK, else "ok". The durability margin
// (durability_margin.h) is file-ingest's, as scraped, with its DURABILITY_MARGIN check; when
// file-ingest has not reported it, it says so (available false), nothing is estimated.
// Pure function, thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "datamesh/monitoring/v1/monitoring.pb.h"
#include "services/monitoring/alerts/rule_evaluator.h"
#include "services/monitoring/health/node_directory.h"

namespace datamesh::monitoring::health {

struct InstanceState {
  std::string service;
  std::string instance_id;
  bool up = false;  // its last scrape answered
  // False until a first scrape of it has finished (just discovered, or monitoring just
  // started): its health is not known yet, which is neither up nor down.
  bool scraped = true;
};

v1::GetHealthResponse BuildHealth(const std::vector<InstanceState>& instances,
                                  const std::vector<NodeInfo>& nodes,
                                  const std::vector<alerts::GroupSnapshot>& rules,
                                  const v1::DurabilityMargin& durability);

}  // namespace datamesh::monitoring::health
