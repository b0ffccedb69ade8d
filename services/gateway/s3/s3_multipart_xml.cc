#include "services/gateway/s3/s3_multipart_xml.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/gateway/s3/auth/absl_view.h"
#include "services/gateway/s3/s3_xml.h"

namespace datamesh::gateway::s3 {
namespace {

namespace fv1 = file::v1;

constexpr std::string_view kStorageClass = "STANDARD";

// Clients echo the ETag as UploadPart answered it ("\"<md5>\""), some without the quotes.
std::string BareMd5(std::string_view etag) {
  std::string_view v = Sv(absl::StripAsciiWhitespace(Av(etag)));
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return absl::AsciiStrToLower(Av(v));
}

bool IsMd5Hex(std::string_view s) {
  if (s.size() != 32) return false;
  for (unsigned char ch : s) {
    if (!absl::ascii_isxdigit(ch)) return false;
  }
  return true;
}

// Initiator, Owner and StorageClass: the same for every upload, since only its owner sees it.
void WriteOwnership(XmlWriter& xml, const UploadOwner& owner) {
  for (std::string_view element : {"Initiator", "Owner"}) {
    xml.Open(element);
    xml.Element("ID", owner.id);
    xml.Element("DisplayName", owner.display_name);
    xml.Close();
  }
  xml.Element("StorageClass", kStorageClass);
}

std::string Bool(bool b) { return b ? "true" : "false"; }

}  // namespace

std::variant<std::vector<fv1::CompletedPart>, S3Error> ParseCompleteMultipartUpload(
    std::string_view body) {
  absl::StatusOr<XmlElement> doc = ParseXml(body);
  if (!doc.ok() || doc->name != "CompleteMultipartUpload") return MalformedXml();
  std::vector<fv1::CompletedPart> parts;
  bool in_order = true;
  for (const XmlElement& child : doc->children) {
    if (child.name != "Part") continue;
    const XmlElement* number = child.Child("PartNumber");
    const XmlElement* etag = child.Child("ETag");
    uint32_t n = 0;
    if (number == nullptr || etag == nullptr ||
        !absl::SimpleAtoi(absl::StripAsciiWhitespace(number->text), &n) || n < 1 ||
        n > kMaxPartNumber || parts.size() == kMaxPartNumber) {
      return MalformedXml();
    }
    if (!parts.empty() && n <= parts.back().part_number()) in_order = false;
    fv1::CompletedPart& part = parts.emplace_back();
    part.set_part_number(n);
    part.set_md5(BareMd5(etag->text));
  }
  if (parts.empty()) return MalformedXml();
  if (!in_order) return InvalidPartOrder();
  for (const fv1::CompletedPart& part : parts) {
    if (!IsMd5Hex(part.md5())) return InvalidPart();
  }
  return parts;
}

std::string InitiateResultXml(std::string_view bucket, std::string_view key,
                              std::string_view upload_id) {
  XmlWriter xml;
  xml.Open("InitiateMultipartUploadResult", true);
  xml.Element("Bucket", bucket);
  xml.Element("Key", key);
  xml.Element("UploadId", upload_id);
  return xml.Finish();
}

std::string CompleteResultXml(std::string_view location, std::string_view bucket,
                              std::string_view key, std::string_view etag) {
  XmlWriter xml;
  xml.Open("CompleteMultipartUploadResult", true);
  xml.Element("Location", location);
  xml.Element("Bucket", bucket);
  xml.Element("Key", key);
  xml.Element("ETag", etag);
  return xml.Finish();
}

std::string CopyPartResultXml(const fv1::MultipartPart& part) {
  XmlWriter xml;
  xml.Open("CopyPartResult", true);
  xml.Element("LastModified", XmlTime(part.last_modified()));
  xml.Element("ETag", absl::StrCat("\"", part.md5(), "\""));
  return xml.Finish();
}

std::string ListPartsXml(const ListPartsQuery& query, const UploadOwner& owner,
                         const fv1::ListPartsResponse& page) {
  XmlWriter xml;
  xml.Open("ListPartsResult", true);
  xml.Element("Bucket", query.bucket);
  xml.Element("Key", query.key);
  xml.Element("UploadId", query.upload_id);
  WriteOwnership(xml, owner);
  xml.Element("PartNumberMarker", absl::StrCat(query.part_number_marker));
  if (page.is_truncated()) {
    xml.Element("NextPartNumberMarker", absl::StrCat(page.next_part_number_marker()));
  }
  xml.Element("MaxParts", absl::StrCat(query.max_parts));
  xml.Element("IsTruncated", Bool(page.is_truncated()));
  for (const fv1::MultipartPart& part : page.parts()) {
    xml.Open("Part");
    xml.Element("PartNumber", absl::StrCat(part.part_number()));
    xml.Element("LastModified", XmlTime(part.last_modified()));
    xml.Element("ETag", absl::StrCat("\"", part.md5(), "\""));
    xml.Element("Size", absl::StrCat(part.size()));
    xml.Close();
  }
  return xml.Finish();
}

std::string ListUploadsXml(const ListUploadsQuery& query, const UploadOwner& owner,
                           const fv1::ListMultipartUploadsResponse& page) {
  XmlWriter xml;
  xml.Open("ListMultipartUploadsResult", true);
  xml.Element("Bucket", query.bucket);
  xml.Element("KeyMarker", query.key_marker);
  xml.Element("UploadIdMarker", query.upload_id_marker);
  if (page.is_truncated()) {
    xml.Element("NextKeyMarker", page.next_key_marker());
    xml.Element("NextUploadIdMarker", page.next_upload_id_marker());
  }
  xml.Element("Prefix", query.prefix);
  xml.Element("MaxUploads", absl::StrCat(query.max_uploads));
  xml.Element("IsTruncated", Bool(page.is_truncated()));
  const std::string bucket_prefix = absl::StrCat(query.bucket, "/");
  for (const fv1::MultipartUpload& upload : page.uploads()) {
    xml.Open("Upload");
    xml.Element("Key", Sv(absl::StripPrefix(upload.name(), bucket_prefix)));
    xml.Element("UploadId", upload.upload_id());
    WriteOwnership(xml, owner);
    xml.Element("Initiated", XmlTime(upload.initiated_at()));
    xml.Close();
  }
  return xml.Finish();
}

}  // namespace datamesh::gateway::s3
