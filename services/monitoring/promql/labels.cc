#include "services/monitoring/promql/labels.h"

#include <algorithm>

namespace datamesh::monitoring::promql {

Labels MakeLabels(std::vector<Label> labels) {
  std::erase_if(labels, [](const Label& l) { return l.value.empty(); });
  std::sort(labels.begin(), labels.end());
  return labels;
}

std::string_view GetLabel(const Labels& labels, std::string_view name) {
  for (const Label& l : labels) {
    if (l.name == name) return l.value;
  }
  return {};
}

Labels WithoutMetricName(Labels labels) {
  std::erase_if(labels, [](const Label& l) { return l.name == kMetricNameLabel; });
  return labels;
}

namespace {
bool Named(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}
}  // namespace

Labels KeepLabels(const Labels& labels, const std::vector<std::string>& names) {
  Labels out;
  for (const Label& l : labels) {
    if (Named(names, l.name)) out.push_back(l);
  }
  return out;
}

Labels DropLabels(const Labels& labels, const std::vector<std::string>& names) {
  Labels out;
  for (const Label& l : labels) {
    if (!Named(names, l.name)) out.push_back(l);
  }
  return out;
}

void SetLabel(Labels& labels, std::string_view name, std::string_view value) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  const bool present = it != labels.end() && it->name == name;
  if (value.empty()) {
    if (present) labels.erase(it);
  } else if (present) {
    it->value = std::string(value);
  } else {
    labels.insert(it, Label{std::string(name), std::string(value)});
  }
}

std::string LabelsKey(const Labels& labels) {
  // 0xFF never occurs in UTF-8, so it cannot be confused with label text.
  std::string key;
  for (const Label& l : labels) {
    key += l.name;
    key.push_back('\xff');
    key += l.value;
    key.push_back('\xff');
  }
  return key;
}

std::string LabelsToString(const Labels& labels) {
  std::string out(GetLabel(labels, kMetricNameLabel));
  out += "{";
  bool first = true;
  for (const Label& l : labels) {
    if (l.name == kMetricNameLabel) continue;
    if (!first) out += ", ";
    first = false;
    out += l.name + "=\"" + l.value + "\"";
  }
  return out + "}";
}

}  // namespace datamesh::monitoring::promql
