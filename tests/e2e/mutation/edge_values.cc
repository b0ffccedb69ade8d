// The values mutations put into requests.
#include "tests/e2e/mutation/edge_values.h"

namespace datamesh::e2e::mutation {

const std::vector<std::string>& EdgeValues() {
  static const auto* const kValues = new std::vector<std::string>{
      "",
      std::string(10 * 1024, 'A'),
      "\xff\xfe",
      "\xc0\xaf",
      "\xed\xa0\x80",
      "\xf4\x90\x80\x80",
      "\xf0\x9f\x98",
      std::string("a\0b", 3),
      std::string(1, '\0'),
      "\r\nX-Injected: 1",
      "x\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n",
      "\n",
      "\r",
      "\t",
      " ",
      "%ff",
      "%00",
      "%zz",
      "%",
      "%e",
      "%c0%af",
      "%ed%a0%80",
      "%2e%2e",
      "%2f",
      "..",
      ".",
      "/",
      "\\",
      "\"",
      "'",
      "+",
      "&",
      "=",
      "?",
      "#",
      "{}",
      "null",
      "\x7f",
      "\x1b[31m",
      "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
      "99999999999999999999999999",
      "18446744073709551615",
      "18446744073709551616",
      "9223372036854775808",
      "-1",
      "-9223372036854775808",
      "0",
      "1e309",
      "0x10",
      "bytes=-",
      "bytes=0-",
      "bytes=-0",
      "bytes=5-1",
      "bytes=0-10,20-30",
      "bytes=18446744073709551615-",
      "bytes=-18446744073709551616",
      "bytes=0-18446744073709551615",
      "../../etc/passwd",
      "' OR 1=1 --",
      "00000000-0000-0000-0000-000000000000",
  };
  return *kValues;
}

const std::vector<std::string>& JsonEscapes() {
  static const auto* const kValues = new std::vector<std::string>{
      "\\u0000", "a\\u0000b", "\\ud800", "\\udfff\\ud800", "\\ud83d\\ude00", "\\\"",    "\\",
      "\\u",     "\\uZZZZ",   "\\x41",   "\\u001b",        "\\u2028",        "\\uffff", "\\ufffe"};
  return *kValues;
}

const std::vector<std::string>& JsonValues() {
  static const auto* const kValues =
      new std::vector<std::string>{"1",
                                   "-1",
                                   "1e999",
                                   "true",
                                   "null",
                                   "[]",
                                   "{}",
                                   "[\"a\"]",
                                   "{\"a\":{\"b\":1}}",
                                   std::string(200, '[') + std::string(200, ']'),
                                   "18446744073709551616",
                                   "\"\"",
                                   "0.5"};
  return *kValues;
}

const std::vector<std::string>& ExtraHeaders() {
  static const auto* const kValues = new std::vector<std::string>{
      "Content-Length: 5",
      "Content-Length: 0",
      "Content-Length: -1",
      "Content-Length: 18446744073709551616",
      "Transfer-Encoding: chunked",
      "Transfer-Encoding: gzip, chunked",
      "Transfer-Encoding: identity",
      "Content-Encoding: gzip",
      "Expect: 100-continue",
      "Expect: something-else",
      "Connection: close",
      "Connection: keep-alive, Upgrade",
      "Upgrade: websocket",
      "X-Request-Id: ",
      "X-Request-Id: " + std::string(200, 'r'),
      "X-Request-Id: \xff\xfe",
      "X-Forwarded-For: \xff\xfe",
      "X-Forwarded-For: 1.2.3.4, ::1, nonsense",
      "X-File-Name: \xc0\xaf",
      "X-File-Name: \xed\xa0\x80",
      "X-Upload-Id: \xff",
      "X-DataMesh-Encryption: \xff",
      "Content-Type: multipart/form-data",
      "Content-Type: multipart/form-data; boundary=",
      "Content-Type: multipart/form-data; boundary=\"\xff\"",
      "Content-Type: application/json; charset=\xff",
      "Content-Type: text/\xff",
      "Range: bytes=0-0",
      "Range: bytes=-",
      "Range: \xff",
      "Authorization: Bearer",
      "Authorization: Bearer \xff\xfe",
      "Authorization: Basic YWRtaW46YWRtaW4=",
      "Authorization: Bearer dmk_" + std::string(300, 'k'),
      "Sec-WebSocket-Key: \xff",
      "Sec-WebSocket-Version: 99",
      "Host: \xff",
      "If-None-Match: *",
      "Cookie: a=\xff",
      std::string("X-Nul: a\0b", 10),
      "X-Long: " + std::string(10 * 1024, 'L'),
      "Bad Header: x",
      ": empty-name",
      " leading-space: x",
  };
  return *kValues;
}

const std::vector<std::string>& Methods() {
  static const auto* const kValues = new std::vector<std::string>{"GET",
                                                                  "HEAD",
                                                                  "POST",
                                                                  "PUT",
                                                                  "PATCH",
                                                                  "OPTIONS",
                                                                  "TRACE",
                                                                  "CONNECT",
                                                                  "get",
                                                                  "",
                                                                  std::string(10 * 1024, 'G'),
                                                                  "G\xffT"};
  return *kValues;
}

const std::vector<std::string>& Versions() {
  static const auto* const kValues = new std::vector<std::string>{
      "HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "HTTP/0.9", "", "HTTP/1.1 x"};
  return *kValues;
}

std::vector<std::string> ContentLengths(size_t body_size) {
  return {"0",
          "1",
          "-1",
          "99999999999999999999",
          "18446744073709551615",
          "4294967296",
          std::to_string(body_size + 1),
          std::to_string(body_size / 2),
          "1 2",
          "0x10",
          "",
          "+5",
          "\xff"};
}

std::vector<std::string> FirstChunkSizes() {
  return {
      "ffffffffffffffffff",       "-1", "0x10", "", "1;ext=\xff", "zz", "0", "fffffff", "3 ; a=b",
      std::string(100, '0') + "1"};
}

}  // namespace datamesh::e2e::mutation
