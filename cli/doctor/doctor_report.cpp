// Text and JSON reports.
#include "cli/doctor/doctor_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace vllmctl::doctor {

namespace {

const char* mark(Status s, const ReportStyle& st) {
  if (st.unicode) {
    switch (s) {
      case Status::kOk: return st.color ? "\033[32m[✓]\033[0m" : "[✓]";
      case Status::kWarn: return st.color ? "\033[33m[!]\033[0m" : "[!]";
      case Status::kFail: return st.color ? "\033[31m[✗]\033[0m" : "[✗]";
      case Status::kSkip: return st.color ? "\033[2m[-]\033[0m" : "[-]";
    }
  }
  switch (s) {
    case Status::kOk: return "[ok]  ";
    case Status::kWarn: return "[warn]";
    case Status::kFail: return "[FAIL]";
    case Status::kSkip: return "[skip]";
  }
  return "[?]";
}

}  // namespace

std::string text_report(const std::vector<Finding>& findings, const ReportStyle& st) {
  std::string out;
  std::string category;
  int counts[4] = {0, 0, 0, 0};
  for (const Finding& f : findings) {
    ++counts[static_cast<int>(f.result.status)];
    if (f.category != category) {
      category = f.category;
      out += fmt::format("{}{}\n", out.empty() ? "" : "\n", st.color ? "\033[1m" + category + "\033[0m" : category);
    }
    out += fmt::format("  {} {}{}\n", mark(f.result.status, st), f.result.message,
                       st.verbose ? fmt::format("  ({}, {:.2f} s)", f.id, f.seconds) : "");
    if (!f.result.hint.empty() && (f.result.status == Status::kWarn || f.result.status == Status::kFail)) {
      out += fmt::format("        fix: {}\n", f.result.hint);
    }
    if (st.verbose) {
      for (const auto& [k, v] : f.result.details) out += fmt::format("        {}: {}\n", k, v);
    }
  }
  out += fmt::format("\n{} ok, {} warning{}, {} failure{}, {} skipped\n", counts[0], counts[1], counts[1] == 1 ? "" : "s",
                     counts[2], counts[2] == 1 ? "" : "s", counts[3]);
  return out;
}

std::string json_report(const std::vector<Finding>& findings) {
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["checks"] = nlohmann::ordered_json::array();
  nlohmann::ordered_json summary = {{"ok", 0}, {"warn", 0}, {"fail", 0}, {"skip", 0}};
  for (const Finding& f : findings) {
    nlohmann::ordered_json details = nlohmann::ordered_json::object();
    for (const auto& [k, v] : f.result.details) {
      if (details.contains(k)) {
        if (!details[k].is_array()) details[k] = nlohmann::ordered_json::array({details[k]});
        details[k].push_back(v);
      } else {
        details[k] = v;
      }
    }
    j["checks"].push_back({{"id", f.id},
                           {"category", f.category},
                           {"status", status_name(f.result.status)},
                           {"message", f.result.message},
                           {"hint", f.result.hint},
                           {"details", details},
                           {"seconds", f.seconds}});
    summary[status_name(f.result.status)] = summary[status_name(f.result.status)].get<int>() + 1;
  }
  j["summary"] = summary;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

int exit_code(const std::vector<Finding>& findings, bool strict) {
  for (const Finding& f : findings) {
    if (f.result.status == Status::kFail || (strict && f.result.status == Status::kWarn)) return 1;
  }
  return 0;
}

}  // namespace vllmctl::doctor
