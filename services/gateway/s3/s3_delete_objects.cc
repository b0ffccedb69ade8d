// DeleteObject and DeleteObjects (s3_handlers.h). An object is the newest live file of its name,
// but REST uploads may have left older files of the same name: deleting the object deletes every
// one of them (newest first), so no older file surfaces as the object afterwards. A missing key
// is a success (204), as S3 answers. Each file deleted publishes file.deleted with the caller as
// actor, which auth's audit log records as for REST deletes.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/gateway/s3/s3_handlers.h"
#include "services/gateway/s3/s3_names.h"
#include "services/gateway/s3/s3_xml.h"

namespace datamesh::gateway::s3 {
namespace {

namespace fv1 = file::v1;

constexpr size_t kMaxDeleteBody = 2 << 20;
constexpr int kMaxKeysPerDelete = 1000;
// More files of one name than this is not something an S3 client made; stop there.
constexpr int kMaxFilesPerName = 100;

// Deletes every live file named bucket/key. OK when there was none.
RpcOutcome DeleteKey(const S3Call& c, const std::string& key) {
  if (!ValidateKey(c.target.bucket, key).ok()) return {};  // no file can have that name
  for (int i = 0; i < kMaxFilesPerName; ++i) {
    fv1::File file;
    RpcOutcome got = StatObject(c, c.target.bucket, key, file);
    if (got.status.code() == absl::StatusCode::kNotFound) return {};
    if (!got.ok()) return got;
    fv1::DeleteRequest req;
    req.set_file_id(file.id());
    req.set_owner_id(c.caller().user_id);
    req.set_actor_id(c.caller().user_id);
    fv1::DeleteResponse resp;
    got = CallService(c, [&](grpc::ClientContext& ctx) {
      return c.api().clients->file().Delete(&ctx, req, &resp);
    });
    // Deleted meanwhile by another request: look again.
    if (!got.ok() && got.status.code() != absl::StatusCode::kNotFound) return got;
  }
  return {};
}

struct DeleteList {
  std::vector<std::string> keys;
  bool quiet = false;
};

std::variant<DeleteList, S3Error> ParseDeleteList(std::string_view body) {
  absl::StatusOr<XmlElement> doc = ParseXml(body);
  if (!doc.ok() || doc->name != "Delete") return MalformedXml();
  DeleteList list;
  for (const XmlElement& child : doc->children) {
    if (child.name == "Quiet") {
      list.quiet = absl::AsciiStrToLower(absl::StripAsciiWhitespace(child.text)) == "true";
    } else if (child.name == "Object") {
      const XmlElement* key = child.Child("Key");
      if (key == nullptr) return MalformedXml();
      if (const XmlElement* version = child.Child("VersionId");
          version != nullptr && version->text != "null") {
        return NotImplemented("Deleting a version");
      }
      list.keys.push_back(key->text);
    }
  }
  if (list.keys.empty() || list.keys.size() > kMaxKeysPerDelete) return MalformedXml();
  return list;
}

}  // namespace

void DeleteObject(const S3Call& c) {
  if (!RequireOwnBucket(c, c.target.bucket)) return;
  RpcOutcome deleted = DeleteKey(c, c.target.key);
  if (!deleted.ok()) return c.Fail(deleted.status, Subject::kKey, deleted.dm_error_code);
  c.w.SetStatus(204);
  (void)c.w.WriteWhole("", "");
}

void DeleteObjects(const S3Call& c) {
  std::string body;
  if (std::optional<S3Error> e = ReadSmallBody(c, kMaxDeleteBody, body)) return c.Fail(*e);
  std::variant<DeleteList, S3Error> list = ParseDeleteList(body);
  if (auto* e = std::get_if<S3Error>(&list)) return c.Fail(*e);
  if (!RequireOwnBucket(c, c.target.bucket)) return;
  XmlWriter xml;
  xml.Open("DeleteResult", true);
  for (const std::string& key : std::get<DeleteList>(list).keys) {
    RpcOutcome deleted = DeleteKey(c, key);
    if (deleted.ok()) {
      if (std::get<DeleteList>(list).quiet) continue;
      xml.Open("Deleted");
      xml.Element("Key", key);
      xml.Close();
      continue;
    }
    const S3Error error = S3ErrorFor(deleted.status, Subject::kKey, deleted.dm_error_code);
    xml.Open("Error");
    xml.Element("Key", key);
    xml.Element("Code", error.code);
    xml.Element("Message", error.message);
    xml.Close();
  }
  (void)c.w.WriteWhole(xml.Finish(), "application/xml");
}

}  // namespace datamesh::gateway::s3
