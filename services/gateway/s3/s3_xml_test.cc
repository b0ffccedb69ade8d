#include "services/gateway/s3/s3_xml.h"

#include <gtest/gtest.h>

namespace datamesh::gateway::s3 {
namespace {

TEST(S3Xml, WriterEscapesEveryTextAndAddsTheNamespaceToTheRoot) {
  XmlWriter xml;
  xml.Open("ListBucketResult", true);
  xml.Element("Key", "a<b>&\"c'\x01");
  std::string doc = xml.Finish();
  EXPECT_EQ(doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Key>a&lt;b&gt;&amp;&quot;c&apos;&#x1;</Key></ListBucketResult>");
}

TEST(S3Xml, ReadsADeleteRequestWithNamespaceEntitiesAndCdata) {
  absl::StatusOr<XmlElement> doc = ParseXml(
      "<?xml version=\"1.0\"?>\n<!-- c --><s3:Delete xmlns:s3=\"x\">"
      "<Object><Key>a&amp;b&#x41;&#66;</Key></Object>"
      "<Object><Key><![CDATA[<raw>]]></Key></Object><Quiet>true</Quiet></s3:Delete>");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->name, "Delete");
  ASSERT_EQ(doc->children.size(), 3u);
  EXPECT_EQ(doc->children[0].Child("Key")->text, "a&bAB");
  EXPECT_EQ(doc->children[1].Child("Key")->text, "<raw>");
  EXPECT_EQ(doc->Child("Quiet")->text, "true");
  EXPECT_EQ(doc->Child("Missing"), nullptr);
}

TEST(S3Xml, RefusesMalformedDocumentsAndDoctype) {
  for (const char* bad :
       {"", "<a>", "<a></b>", "<a><b></a></b>", "<a>&bogus;</a>", "<a/>trailing",
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "<a x=1/>", "<a>&#0;</a>"}) {
    EXPECT_FALSE(ParseXml(bad).ok()) << bad;
  }
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<a>";
  for (int i = 0; i < 40; ++i) deep += "</a>";
  EXPECT_FALSE(ParseXml(deep).ok());
  EXPECT_TRUE(ParseXml("<a x='1' y=\"/>\"/>").ok());
}

}  // namespace
}  // namespace datamesh::gateway::s3
