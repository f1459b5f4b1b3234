// The doctor's output: `[✓] [!] [✗] [-]` lines with the hint indented below (ASCII when
// NO_COLOR is set or stdout is not a terminal), or JSON with schema_version 1.
#pragma once

#include "cli/doctor/doctor_check.h"

#include <string>
#include <vector>

namespace vllmctl::doctor {

struct ReportStyle {
  bool color = false;    // ANSI colours (a terminal, NO_COLOR unset)
  bool unicode = false;  // ✓ ! ✗ (a terminal, NO_COLOR unset); else [ok] [warn] [FAIL] [skip]
  bool verbose = false;  // details and times
};

std::string text_report(const std::vector<Finding>& findings, const ReportStyle& style);
std::string json_report(const std::vector<Finding>& findings);

// 0 with no failure (and, with strict, no warning); else 1.
int exit_code(const std::vector<Finding>& findings, bool strict);

}  // namespace vllmctl::doctor
