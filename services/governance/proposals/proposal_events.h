// The governance events of proposals, as envelopes ready to publish or to write to the outbox:
// governance.proposal.created and governance.vote.cast (core NATS, published after commit),
// governance.proposal.closed and governance.proposal.executed (JetStream, through the outbox).
//
// Thread-safe: no state.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "datamesh/events/v1/event.pb.h"
#include "google/protobuf/struct.pb.h"
#include "services/governance/proposals/proposal_record.h"

namespace datamesh::governance::proposals {

events::v1::Event ProposalCreatedEvent(const std::string& source, const ProposalRecord& p);

events::v1::Event VoteCastEvent(const std::string& source, const ProposalRecord& p,
                                const std::string& voter, Choice choice, int64_t weight);

events::v1::Event ProposalClosedEvent(const std::string& source, const ProposalRecord& p,
                                      const TallyResult& tally);

events::v1::Event ProposalExecutedEvent(const std::string& source, const ProposalRecord& p,
                                        const google::protobuf::Struct& change,
                                        absl::Time executed_at);

// The stored change JSON as a Struct. DATA_LOSS when the stored text is not a JSON object.
absl::StatusOr<google::protobuf::Struct> ChangeFromJson(const std::string& json);

}  // namespace datamesh::governance::proposals
