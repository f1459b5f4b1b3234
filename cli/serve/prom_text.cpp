// serialize_prometheus_text and float_to_go_string.
#include "cli/serve/prom_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace vllmctl {

namespace {

// Python's repr(float): the shortest digits that round-trip, fixed notation when the
// decimal exponent is in (-4, 16], else d.ddde+XX.
std::string python_float_repr(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // e.g. "-1.234567e+06", "5e-01"
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const auto e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exp10 = std::atoi(sci.c_str() + e + 1);
  const int decpt = exp10 + 1;  // position of the decimal point within `digits`
  if (decpt > -4 && decpt <= 16) {
    std::string out;
    if (decpt <= 0) {
      out = "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
    } else if (static_cast<size_t>(decpt) >= digits.size()) {
      out = digits + std::string(static_cast<size_t>(decpt) - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(decpt)) + "." + digits.substr(static_cast<size_t>(decpt));
    }
    return sign + out;
  }
  std::string mantissa = digits.substr(0, 1);
  if (digits.size() > 1) mantissa += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
  return sign + mantissa + exp_buf;
}

std::string escape_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string label_block(std::vector<prometheus::ClientMetric::Label> labels, const std::string& le = "") {
  if (!le.empty()) labels.push_back({"le", le});
  if (labels.empty()) return "";
  std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].name + "=\"" + escape_label_value(labels[i].value) + "\"";
  }
  return out + "}";
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + escape_help(help) + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string float_to_go_string(double d) {
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (std::isnan(d)) return "NaN";
  std::string s = python_float_repr(d);
  const auto dot = s.find('.');
  if (d > 0 && dot != std::string::npos && dot > 6) {
    std::string mantissa = s.substr(0, 1) + "." + s.substr(1, dot - 1) + s.substr(dot + 1);
    while (!mantissa.empty() && (mantissa.back() == '0' || mantissa.back() == '.')) mantissa.pop_back();
    return mantissa + "e+0" + std::to_string(dot - 1);
  }
  return s;
}

std::string serialize_prometheus_text(const std::vector<prometheus::MetricFamily>& families,
                                      const std::vector<double>& created_unix_s) {
  using prometheus::MetricType;
  std::string out;
  for (size_t f = 0; f < families.size(); ++f) {
    const auto& family = families[f];
    const std::string& name = family.name;
    switch (family.type) {
      case MetricType::Counter: header(out, name, family.help, "counter"); break;
      case MetricType::Gauge: header(out, name, family.help, "gauge"); break;
      case MetricType::Histogram: header(out, name, family.help, "histogram"); break;
      case MetricType::Summary: header(out, name, family.help, "summary"); break;
      default: header(out, name, family.help, "untyped"); break;
    }
    for (const auto& m : family.metric) {
      switch (family.type) {
        case MetricType::Counter:
          out += name + label_block(m.label) + " " + float_to_go_string(m.counter.value) + "\n";
          break;
        case MetricType::Gauge:
          out += name + label_block(m.label) + " " + float_to_go_string(m.gauge.value) + "\n";
          break;
        case MetricType::Histogram:
          for (const auto& b : m.histogram.bucket) {
            out += name + "_bucket" + label_block(m.label, float_to_go_string(b.upper_bound)) + " " +
                   float_to_go_string(static_cast<double>(b.cumulative_count)) + "\n";
          }
          out += name + "_count" + label_block(m.label) + " " +
                 float_to_go_string(static_cast<double>(m.histogram.sample_count)) + "\n";
          out += name + "_sum" + label_block(m.label) + " " + float_to_go_string(m.histogram.sample_sum) + "\n";
          break;
        case MetricType::Summary:
          out += name + "_count" + label_block(m.label) + " " +
                 float_to_go_string(static_cast<double>(m.summary.sample_count)) + "\n";
          out += name + "_sum" + label_block(m.label) + " " + float_to_go_string(m.summary.sample_sum) + "\n";
          break;
        default:
          out += name + label_block(m.label) + " " + float_to_go_string(m.untyped.value) + "\n";
          break;
      }
    }
    const bool has_created = family.type == MetricType::Counter || family.type == MetricType::Histogram ||
                             family.type == MetricType::Summary;
    if (has_created && f < created_unix_s.size() && created_unix_s[f] >= 0 && !family.metric.empty()) {
      std::string base = name;
      if (family.type == MetricType::Counter && base.size() > 6 && base.ends_with("_total")) {
        base.resize(base.size() - 6);
      }
      const std::string created = base + "_created";
      header(out, created, family.help, "gauge");
      for (const auto& m : family.metric) {
        out += created + label_block(m.label) + " " + float_to_go_string(created_unix_s[f]) + "\n";
      }
    }
  }
  return out;
}

}  // namespace vllmctl
