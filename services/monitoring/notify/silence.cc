#include "services/monitoring/notify/silence.h"

#include "absl/strings/str_cat.h"

namespace datamesh::monitoring::notify {

std::string_view Silence::StateAt(absl::Time t) const {
  if (t < starts_at) return "pending";
  if (t < ends_at) return "active";
  return "expired";
}

absl::Status CheckNewSilence(const Silence& s, absl::Time now) {
  if (s.matchers.empty()) return absl::InvalidArgumentError("a silence needs at least one matcher");
  if (s.matchers.size() > kMaxSilenceMatchers) {
    return absl::InvalidArgumentError(
        absl::StrCat("a silence takes at most ", kMaxSilenceMatchers, " matchers"));
  }
  // As Alertmanager requires: one matcher must need the label to be there, or the silence
  // would also mute alerts that lack every named label.
  bool selective = false;
  for (const Matcher& m : s.matchers) {
    if (!m.Matches({})) selective = true;
  }
  if (!selective) {
    return absl::InvalidArgumentError(
        "at least one matcher must not match an empty value (such as alertname=\"X\")");
  }
  if (s.ends_at <= s.starts_at) {
    return absl::InvalidArgumentError("a silence must end after it starts");
  }
  if (s.ends_at <= now) return absl::InvalidArgumentError("a silence must end in the future");
  if (s.created_by.empty()) return absl::InvalidArgumentError("a silence needs its creator");
  if (s.comment.empty()) return absl::InvalidArgumentError("a silence needs a comment");
  if (s.comment.size() > kMaxCommentBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the comment is longer than ", kMaxCommentBytes, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace datamesh::monitoring::notify
