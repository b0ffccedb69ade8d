#include "services/gateway/s3/s3_xml.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "services/gateway/s3/auth/absl_view.h"

namespace datamesh::gateway::s3 {
namespace {

constexpr int kMaxDepth = 32;

absl::Status Malformed(std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed XML: ", Av(why)));
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A cursor over the document; each Parse* consumes what it recognises.
class Reader {
 public:
  explicit Reader(std::string_view doc) : doc_(doc) {}

  absl::StatusOr<XmlElement> Document() {
    if (absl::Status s = SkipMisc(); !s.ok()) return s;
    if (!Peek("<")) return Malformed("no root element");
    XmlElement root;
    if (absl::Status s = Element(root, 0); !s.ok()) return s;
    if (absl::Status s = SkipMisc(); !s.ok()) return s;
    if (pos_ != doc_.size()) return Malformed("content after the root element");
    return root;
  }

 private:
  bool Peek(std::string_view s) const { return doc_.substr(pos_, s.size()) == s; }

  void SkipSpace() {
    while (pos_ < doc_.size() && absl::ascii_isspace(static_cast<unsigned char>(doc_[pos_]))) {
      ++pos_;
    }
  }

  // Skips to just past `end`; false when it never comes.
  bool SkipPast(std::string_view end) {
    const size_t at = doc_.find(end, pos_);
    if (at == std::string_view::npos) return false;
    pos_ = at + end.size();
    return true;
  }

  // Whitespace, comments and processing instructions (the XML declaration) around the root.
  absl::Status SkipMisc() {
    while (true) {
      SkipSpace();
      if (Peek("<?")) {
        if (!SkipPast("?>")) return Malformed("unterminated processing instruction");
      } else if (Peek("<!--")) {
        if (!SkipPast("-->")) return Malformed("unterminated comment");
      } else if (Peek("<!")) {
        return Malformed("DOCTYPE is not accepted");
      } else {
        return absl::OkStatus();
      }
    }
  }

  std::string_view Name() {
    const size_t start = pos_;
    while (pos_ < doc_.size()) {
      const char c = doc_[pos_];
      if (absl::ascii_isspace(static_cast<unsigned char>(c)) || c == '>' || c == '/' || c == '=') {
        break;
      }
      ++pos_;
    }
    return doc_.substr(start, pos_ - start);
  }

  // Attributes are skipped; their quoted values may hold '>' or '/'.
  absl::Status SkipAttributes() {
    while (true) {
      SkipSpace();
      if (pos_ >= doc_.size()) return Malformed("unterminated tag");
      if (doc_[pos_] == '>' || Peek("/>")) return absl::OkStatus();
      if (Name().empty()) return Malformed("bad attribute");
      SkipSpace();
      if (pos_ >= doc_.size() || doc_[pos_] != '=') return Malformed("attribute without value");
      ++pos_;
      SkipSpace();
      if (pos_ >= doc_.size() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) {
        return Malformed("unquoted attribute value");
      }
      const char quote = doc_[pos_++];
      const size_t end = doc_.find(quote, pos_);
      if (end == std::string_view::npos) return Malformed("unterminated attribute value");
      pos_ = end + 1;
    }
  }

  absl::Status Entity(std::string& out) {
    const size_t semi = doc_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) return Malformed("bad entity");
    const std::string_view name = doc_.substr(pos_ + 1, semi - pos_ - 1);
    pos_ = semi + 1;
    if (name == "amp") return out += '&', absl::OkStatus();
    if (name == "lt") return out += '<', absl::OkStatus();
    if (name == "gt") return out += '>', absl::OkStatus();
    if (name == "quot") return out += '"', absl::OkStatus();
    if (name == "apos") return out += '\'', absl::OkStatus();
    uint32_t cp = 0;
    const bool ok = name.size() > 1 && name[0] == '#' &&
                    (name[1] == 'x' ? absl::SimpleHexAtoi(Av(name.substr(2)), &cp)
                                    : absl::SimpleAtoi(Av(name.substr(1)), &cp));
    if (!ok || cp == 0 || cp > 0x10FFFF) return Malformed("bad character reference");
    AppendUtf8(cp, out);
    return absl::OkStatus();
  }

  absl::Status Element(XmlElement& element, int depth) {
    if (depth > kMaxDepth) return Malformed("nested too deeply");
    ++pos_;  // '<'
    std::string_view name = Name();
    if (name.empty()) return Malformed("element without a name");
    const std::string qualified(name);
    if (const size_t colon = name.find(':'); colon != std::string_view::npos) {
      name.remove_prefix(colon + 1);
    }
    element.name = std::string(name);
    if (absl::Status s = SkipAttributes(); !s.ok()) return s;
    if (Peek("/>")) {
      pos_ += 2;
      return absl::OkStatus();
    }
    ++pos_;  // '>'
    while (true) {
      if (pos_ >= doc_.size()) return Malformed(absl::StrCat("<", qualified, "> is not closed"));
      if (Peek("</")) {
        pos_ += 2;
        if (Name() != qualified) return Malformed("mismatched closing tag");
        SkipSpace();
        if (pos_ >= doc_.size() || doc_[pos_] != '>') return Malformed("bad closing tag");
        ++pos_;
        return absl::OkStatus();
      }
      if (Peek("<!--")) {
        if (!SkipPast("-->")) return Malformed("unterminated comment");
      } else if (Peek("<![CDATA[")) {
        const size_t start = pos_ + 9;
        if (!SkipPast("]]>")) return Malformed("unterminated CDATA");
        element.text.append(doc_.substr(start, pos_ - 3 - start));
      } else if (Peek("<?") || Peek("<!")) {
        return Malformed("unexpected markup");
      } else if (doc_[pos_] == '<') {
        element.children.emplace_back();
        if (absl::Status s = Element(element.children.back(), depth + 1); !s.ok()) return s;
      } else if (doc_[pos_] == '&') {
        if (absl::Status s = Entity(element.text); !s.ok()) return s;
      } else {
        element.text += doc_[pos_++];
      }
    }
  }

  std::string_view doc_;
  size_t pos_ = 0;
};

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "&#x%X;", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

XmlWriter::XmlWriter() : out_("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") {}

void XmlWriter::Open(std::string_view name, bool with_namespace) {
  absl::StrAppend(&out_, "<", Av(name));
  if (with_namespace) absl::StrAppend(&out_, " xmlns=\"", kS3Namespace, "\"");
  out_ += '>';
  open_.emplace_back(name);
}

void XmlWriter::Close() {
  if (open_.empty()) return;
  absl::StrAppend(&out_, "</", open_.back(), ">");
  open_.pop_back();
}

void XmlWriter::Text(std::string_view text) { out_ += XmlEscape(text); }

void XmlWriter::Element(std::string_view name, std::string_view text) {
  absl::StrAppend(&out_, "<", Av(name), ">", XmlEscape(text), "</", Av(name), ">");
}

std::string XmlWriter::Finish() {
  while (!open_.empty()) Close();
  return std::move(out_);
}

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

absl::StatusOr<XmlElement> ParseXml(std::string_view document) {
  return Reader(document).Document();
}

std::string XmlTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                          absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos()),
                          absl::UTCTimeZone());
}

}  // namespace datamesh::gateway::s3
