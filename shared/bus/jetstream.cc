// Bus: JetStream streams, durable publishes and durable consumers.
#include <vector>

#include "absl/strings/str_cat.h"
#include "shared/bus/bus.h"
#include "shared/bus/bus_core.h"
#include "shared/status/status.h"

namespace datamesh::bus {
namespace {

using internal::FromNats;

int64_t ToNanos(absl::Duration d) { return absl::ToInt64Nanoseconds(d); }

// Stream and durable names become subject tokens and file names on the server.
absl::Status ValidateName(const char* kind, std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(kind, " name is empty"));
  for (char c : name) {
    if (c == '.' || c == '*' || c == '>' || c == '/' || c == '\\' ||
        static_cast<unsigned char>(c) <= ' ') {
      return absl::InvalidArgumentError(
          absl::StrCat(kind, " name '", absl::string_view(name.data(), name.size()),
                       "' contains '.', '*', '>', a path separator or a space"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateConsumerConfig(const ConsumerConfig& config) {
  RETURN_IF_ERROR(ValidateName("stream", config.stream));
  RETURN_IF_ERROR(ValidateName("durable", config.durable));
  if (config.batch_size < 1) return absl::InvalidArgumentError("batch_size must be >= 1");
  if (config.fetch_wait < absl::Milliseconds(1) || config.ack_wait < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError("fetch_wait and ack_wait must be positive");
  }
  if (config.max_deliver == 0 || config.max_deliver < -1) {
    return absl::InvalidArgumentError("max_deliver must be -1 or positive");
  }
  return absl::OkStatus();
}

// Creates the durable consumer, or brings an existing one to `config`.
absl::Status UpsertConsumer(jsCtx* js, const ConsumerConfig& config) {
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  cc.Durable = config.durable.c_str();
  cc.AckPolicy = js_AckExplicit;
  cc.AckWait = ToNanos(config.ack_wait);
  cc.MaxDeliver = config.max_deliver;
  cc.DeliverPolicy = config.deliver_new_only ? js_DeliverNew : js_DeliverAll;
  cc.ReplayPolicy = js_ReplayInstant;
  cc.FilterSubject = config.filter_subject.empty() ? nullptr : config.filter_subject.c_str();
  jsConsumerInfo* info = nullptr;
  jsErrCode js_error{};
  natsStatus s = js_AddConsumer(&info, js, config.stream.c_str(), &cc, nullptr, &js_error);
  jsConsumerInfo_Destroy(info);
  if (s == NATS_OK) return absl::OkStatus();
  if (js_error == JSStreamNotFoundErr || js_error == 0) {
    return FromNats(s, absl::StrCat("create consumer ", config.durable), js_error);
  }
  // The durable exists with another configuration; the server rejects a create over it.
  info = nullptr;
  js_error = jsErrCode{};
  s = js_UpdateConsumer(&info, js, config.stream.c_str(), &cc, nullptr, &js_error);
  jsConsumerInfo_Destroy(info);
  return FromNats(s, absl::StrCat("update consumer ", config.durable), js_error);
}

}  // namespace

StreamConfig DurableEventsStream(int replicas) {
  StreamConfig config;
  config.name = kDurableEventsStreamName;
  config.subjects = {"dm.v1.file.>", "dm.v1.audit.>", "dm.v1.governance.>", "dm.v1.quota.>",
                     "dm.v1.auth.user.>"};
  config.replicas = replicas;
  return config;
}

absl::Status Bus::EnsureStream(const StreamConfig& config) {
  RETURN_IF_ERROR(core_->CheckOpen());
  RETURN_IF_ERROR(ValidateName("stream", config.name));
  if (config.subjects.empty()) return absl::InvalidArgumentError("stream has no subjects");
  std::vector<const char*> subjects;
  for (const std::string& subject : config.subjects) subjects.push_back(subject.c_str());
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = config.name.c_str();
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Retention = js_LimitsPolicy;
  cfg.Storage = config.file_storage ? js_FileStorage : js_MemoryStorage;
  cfg.MaxAge = ToNanos(config.max_age);
  cfg.Duplicates = ToNanos(config.duplicate_window);
  cfg.MaxBytes = config.max_bytes;
  cfg.Replicas = config.replicas;
  cfg.Discard = js_DiscardOld;

  jsStreamInfo* info = nullptr;
  jsErrCode js_error{};
  natsStatus s = js_AddStream(&info, core_->js, &cfg, nullptr, &js_error);
  jsStreamInfo_Destroy(info);
  // Creating a stream that exists with the same configuration succeeds; with another one the
  // server answers "name in use" and we update it, so replicas (and upgrades) converge.
  if (s == NATS_OK) return absl::OkStatus();
  if (js_error != JSStreamNameExistErr) {
    return FromNats(s, absl::StrCat("create stream ", config.name), js_error);
  }
  info = nullptr;
  js_error = jsErrCode{};
  s = js_UpdateStream(&info, core_->js, &cfg, nullptr, &js_error);
  jsStreamInfo_Destroy(info);
  return FromNats(s, absl::StrCat("update stream ", config.name), js_error);
}

absl::Status Bus::PublishDurable(const events::v1::Event& event) {
  RETURN_IF_ERROR(core_->CheckOpen());
  if (event.id().empty()) return absl::InvalidArgumentError("event has no id");
  RETURN_IF_ERROR(ValidateEventType(event.type()));
  const std::string subject = SubjectFor(event.type());
  const std::string data = event.SerializeAsString();
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MsgId = event.id().c_str();  // the stream drops a repeat within its duplicate window
  jsPubAck* ack = nullptr;
  jsErrCode js_error{};
  natsStatus s = js_Publish(&ack, core_->js, subject.c_str(), data.data(),
                            static_cast<int>(data.size()), &options, &js_error);
  if (s == NATS_NO_RESPONDERS) {
    return absl::FailedPreconditionError(absl::StrCat("no JetStream stream captures ", subject));
  }
  if (s != NATS_OK) return FromNats(s, absl::StrCat("durable publish on ", subject), js_error);
  if (ack->Duplicate) core_->shared->duplicate_publishes.fetch_add(1, std::memory_order_relaxed);
  jsPubAck_Destroy(ack);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Consumer>> Bus::ConsumeDurable(const ConsumerConfig& config,
                                                              DurableHandler handler) {
  RETURN_IF_ERROR(core_->CheckOpen());
  RETURN_IF_ERROR(ValidateConsumerConfig(config));
  if (!handler) return absl::InvalidArgumentError("ConsumeDurable needs a handler");
  RETURN_IF_ERROR(UpsertConsumer(core_->js, config));

  // Bound to the consumer we created, the subscription never deletes it: its position
  // survives this process.
  jsSubOptions sub_options;
  jsSubOptions_Init(&sub_options);
  sub_options.Stream = config.stream.c_str();
  sub_options.Consumer = config.durable.c_str();
  natsSubscription* sub = nullptr;
  jsErrCode js_error{};
  natsStatus s = js_PullSubscribe(
      &sub, core_->js, config.filter_subject.empty() ? nullptr : config.filter_subject.c_str(),
      config.durable.c_str(), nullptr, &sub_options, &js_error);
  if (s != NATS_OK) {
    return FromNats(s, absl::StrCat("bind to consumer ", config.durable), js_error);
  }
  std::shared_ptr<internal::DurableWorker> worker =
      internal::StartDurableWorker(core_->shared, sub, config, std::move(handler));
  {
    absl::MutexLock lock(&core_->mu);
    if (!core_->draining) {
      std::erase_if(core_->workers, [](const auto& weak) { return weak.expired(); });
      core_->workers.push_back(worker);
      return internal::MakeConsumerHandle(std::move(worker));
    }
  }
  internal::StopDurableWorker(*worker);  // Drain started while we were setting up
  return absl::FailedPreconditionError("the bus is drained");
}

std::vector<std::pair<std::string, std::string>> Bus::DurableConsumers() const {
  std::vector<std::pair<std::string, std::string>> out;
  absl::MutexLock lock(&core_->mu);
  for (const auto& weak : core_->workers) {
    if (std::shared_ptr<internal::DurableWorker> worker = weak.lock()) {
      const ConsumerConfig& config = internal::DurableWorkerConfig(*worker);
      out.emplace_back(config.stream, config.durable);
    }
  }
  return out;
}

absl::StatusOr<StreamState> Bus::GetStreamState(const std::string& stream) {
  RETURN_IF_ERROR(core_->CheckOpen());
  jsStreamInfo* info = nullptr;
  jsErrCode js_error{};
  natsStatus s = js_GetStreamInfo(&info, core_->js, stream.c_str(), nullptr, &js_error);
  if (s != NATS_OK) return FromNats(s, absl::StrCat("stream info ", stream), js_error);
  StreamState state;
  state.messages = info->State.Msgs;
  state.bytes = info->State.Bytes;
  state.first_sequence = info->State.FirstSeq;
  state.last_sequence = info->State.LastSeq;
  state.consumers = info->State.Consumers;
  jsStreamInfo_Destroy(info);
  return state;
}

absl::StatusOr<ConsumerState> Bus::GetConsumerState(const std::string& stream,
                                                    const std::string& durable) {
  RETURN_IF_ERROR(core_->CheckOpen());
  jsConsumerInfo* info = nullptr;
  jsErrCode js_error{};
  natsStatus s =
      js_GetConsumerInfo(&info, core_->js, stream.c_str(), durable.c_str(), nullptr, &js_error);
  if (s != NATS_OK) return FromNats(s, absl::StrCat("consumer info ", durable), js_error);
  ConsumerState state;
  state.delivered_stream_sequence = info->Delivered.Stream;
  state.ack_floor_stream_sequence = info->AckFloor.Stream;
  state.ack_pending = info->NumAckPending;
  state.redelivered = info->NumRedelivered;
  state.pending = info->NumPending;
  jsConsumerInfo_Destroy(info);
  return state;
}

}  // namespace datamesh::bus
