# Script mode: writes OUT, a .cc defining datamesh::gateway::OpenApiJson() with the contents of
# IN (the OpenAPI document) as a raw string literal, so the binary needs no file at run time.
file(READ ${IN} json)
if(json MATCHES "\\)dmjson\"")
  message(FATAL_ERROR "${IN} contains the raw string delimiter )dmjson\"")
endif()
file(WRITE ${OUT} "// Generated from services/gateway/api/openapi.json. Do not edit.\n"
  "#include \"services/gateway/api/openapi.h\"\n\n"
  "namespace datamesh::gateway {\n\n"
  "std::string_view OpenApiJson() {\n"
  "  static constexpr char kJson[] = R\"dmjson(${json})dmjson\";\n"
  "  return std::string_view(kJson, sizeof(kJson) - 1);\n"
  "}\n\n"
  "}  // namespace datamesh::gateway\n")
