// XML for the S3 edge: a small writer for answers (every text escaped) and a small reader for
// the few request bodies S3 operations take (CreateBucketConfiguration, Delete).
//
// The reader accepts elements, attributes (ignored), text, CDATA, comments, the XML declaration
// and the five predefined entities plus numeric character references. It refuses DOCTYPE (no
// entity expansion, so no "billion laughs"), nesting deeper than 32, and anything malformed:
// S3 answers MalformedXML for those. Namespace prefixes are dropped from element names.
//
// Thread safety: XmlWriter is a value used by one thread; ParseXml is a pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/timestamp.pb.h"

namespace datamesh::gateway::s3 {

inline constexpr char kS3Namespace[] = "http://s3.amazonaws.com/doc/2006-03-01/";

// A time as S3's XML answers write it: ISO 8601 in UTC with milliseconds
// ("2026-12-06T14:20:00.000Z").
std::string XmlTime(const google::protobuf::Timestamp& t);

// `text` with &, <, >, " and ' escaped, and control characters as character references.
std::string XmlEscape(std::string_view text);

class XmlWriter {
 public:
  // Starts the document with the XML declaration.
  XmlWriter();

  // Opens <name>; `with_namespace` adds S3's xmlns (the root of every answer).
  void Open(std::string_view name, bool with_namespace = false);
  // Closes the innermost open element.
  void Close();
  // Escaped text inside the innermost open element.
  void Text(std::string_view text);
  // <name>escaped text</name>
  void Element(std::string_view name, std::string_view text);
  // Closes every open element and returns the document.
  std::string Finish();

 private:
  std::string out_;
  std::vector<std::string> open_;
};

struct XmlElement {
  std::string name;  // without a namespace prefix
  std::string text;  // the element's own text, entities decoded
  std::vector<XmlElement> children;

  // The first child named `name`, or null.
  const XmlElement* Child(std::string_view name) const;
};

// The root element of `document`. INVALID_ARGUMENT when it is not well-formed XML (as above).
[[nodiscard]] absl::StatusOr<XmlElement> ParseXml(std::string_view document);

}  // namespace datamesh::gateway::s3
