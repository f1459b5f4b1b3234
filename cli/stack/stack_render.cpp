// Rendering: one ordered JSON context, the embedded Jinja templates, and a manifest of
// what was written so hand edits are noticed.
#include "cli/stack/stack_render.h"

#include "cli/stack/embedded_files.h"
#include "engine/model/hub_sha256.h"
#include "engine/text/jinja/template.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <random>
#include <stdexcept>

namespace vllmctl {

namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

// Pinned images (docker runtime).
constexpr const char* kPrometheusImage = "prom/prometheus:v3.4.1";
constexpr const char* kGrafanaImage = "grafana/grafana:12.2.0";
constexpr const char* kVictoriaMetricsImage = "victoriametrics/victoria-metrics:v1.118.0";
constexpr const char* kDcgmExporterImage = "nvcr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubi9";

constexpr const char* kManifest = ".vllmctl-manifest.json";
constexpr const char* kGrafanaPassword = "secrets/grafana_admin_password";
constexpr const char* kHfToken = "secrets/hf_token";

// What the template sees. Paths and addresses are as the runtime's Prometheus sees them.
ojson make_context(const StackConfig& c, const std::string& runtime, const fs::path& dir) {
  const bool docker = runtime == "docker";
  ojson ctx;
  ctx["runtime"] = runtime;
  ctx["stack"] = {{"scrape_interval", c.scrape_interval},
                  {"prometheus_retention", c.prometheus_retention},
                  {"long_term_retention", c.long_term_retention},
                  {"vm_retention", victoriametrics_retention(c.long_term_retention)},
                  {"bind", c.bind},
                  {"prometheus_port", c.prometheus_port},
                  {"grafana_port", c.grafana_port},
                  {"victoriametrics_port", c.victoriametrics_port},
                  {"dcgm_exporter", c.dcgm_exporter}};
  ctx["images"] = {{"prometheus", kPrometheusImage},
                   {"grafana", kGrafanaImage},
                   {"victoriametrics", kVictoriaMetricsImage},
                   {"dcgm_exporter", kDcgmExporterImage}};
  // Numbers as the shortest text ("2", not "2.0"): they appear in PromQL and in prose.
  ctx["alerts"] = {{"ttft_p95_seconds", fmt::format("{:g}", c.alerts.ttft_p95_seconds)},
                   {"kv_cache_usage", fmt::format("{:g}", c.alerts.kv_cache_usage)},
                   {"queue_waiting", c.alerts.queue_waiting},
                   {"kv_cache_usage_percent", fmt::format("{:g}", c.alerts.kv_cache_usage * 100)}};
  const std::string local = local_host(c);
  ctx["dir"] = dir.string();
  ctx["paths"] = {{"rules", docker ? "/etc/prometheus/rules/*.yml" : (dir / "prometheus" / "rules" / "*.yml").string()},
                  {"dashboards", docker ? "/var/lib/grafana/dashboards" : (dir / "grafana" / "dashboards").string()}};
  ctx["remote_write_url"] = docker ? std::string("http://victoriametrics:8428/api/v1/write")
                                   : fmt::format("http://{}:{}/api/v1/write", local, c.victoriametrics_port);
  ctx["prometheus_url"] = docker ? std::string("http://prometheus:9090") : local_url(c, c.prometheus_port);
  ctx["victoriametrics_url"] =
      docker ? std::string("http://victoriametrics:8428") : local_url(c, c.victoriametrics_port);
  ctx["self_address"] = docker ? std::string("localhost:9090") : fmt::format("{}:{}", local, c.prometheus_port);
  ctx["dcgm_address"] = docker && c.dcgm_exporter ? "dcgm-exporter:9400" : "";

  ojson targets = ojson::array();
  ojson mounts = ojson::array();
  for (const StackTarget& t : c.targets) {
    // A secret file: its host path natively; in docker, mounted read-only and named by target.
    auto secret = [&](const std::string& host_path, const char* kind) -> std::string {
      if (host_path.empty() || !docker) return host_path;
      const std::string in_container = fmt::format("/etc/prometheus/secrets/{}-{}", t.name, kind);
      mounts.push_back({{"host", host_path}, {"container", in_container}});
      return in_container;
    };
    std::string host = t.host;
    if (!docker && host == "host.docker.internal") host = "127.0.0.1";  // the same host, seen natively
    ojson tls = ojson::object();
    if (!t.tls_ca_file.empty()) tls["ca_file"] = secret(t.tls_ca_file, "ca");
    if (!t.tls_cert_file.empty()) tls["cert_file"] = secret(t.tls_cert_file, "cert");
    if (!t.tls_key_file.empty()) tls["key_file"] = secret(t.tls_key_file, "key");
    if (!t.tls_server_name.empty()) tls["server_name"] = t.tls_server_name;
    if (t.tls_insecure_skip_verify) tls["insecure_skip_verify"] = true;
    ojson labels = ojson::object();
    for (const auto& [k, v] : t.labels) labels[k] = v;
    targets.push_back({{"name", t.name},
                       {"job", "vllm-" + t.name},
                       {"scheme", t.scheme},
                       {"address", fmt::format("{}:{}", host, t.port)},
                       {"metrics_path", t.metrics_path},
                       {"labels", labels},
                       {"bearer_token_file", secret(t.bearer_token_file, "token")},
                       {"basic_auth_user", t.basic_auth_user},
                       {"basic_auth_password_file", secret(t.basic_auth_password_file, "password")},
                       {"tls", tls.empty() ? ojson(nullptr) : tls}});
  }
  ctx["targets"] = targets;
  ctx["secret_mounts"] = mounts;

  const VllmService& v = c.vllm;
  std::string token_secret = v.hf_token_file;
  if (token_secret.empty() && !v.hf_token.empty()) token_secret = std::string("./") + kHfToken;
  ctx["vllm"] = {{"enabled", v.enabled},
                 {"image", v.image},
                 {"version", v.version},
                 {"model", v.model},
                 {"port", v.port},
                 {"max_model_len", v.max_model_len},
                 {"gpu_memory_utilization", fmt::format("{}", v.gpu_memory_utilization)},
                 {"dtype", v.dtype},
                 {"gpus", v.gpus},
                 {"model_cache", v.model_cache},
                 {"extra_args", v.extra_args},
                 {"hf_token_secret", token_secret}};
  return ctx;
}

std::string render_template(const std::string& path, const ojson& ctx) {
  const auto source = embedded_file(path);
  if (!source) throw std::logic_error("template missing from the binary: " + path);
  jinja::TemplateOptions options;
  options.name = path;
  std::string out = jinja::Template(*source, options).render(ctx);
  if (out.empty() || out.back() != '\n') out += '\n';  // Jinja drops the template's last newline
  return out;
}

std::string random_password() {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::random_device rd;
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string s;
  for (int i = 0; i < 24; ++i) s += kAlphabet[pick(rd)];
  return s;
}

}  // namespace

std::vector<RenderedFile> render_stack(const StackConfig& config, const std::string& runtime, const fs::path& stack_dir) {
  const ojson ctx = make_context(config, runtime, stack_dir);
  std::vector<RenderedFile> files;
  files.push_back({"docker-compose.yml", render_template("templates/docker-compose.yml.j2", ctx)});
  files.push_back({"prometheus/prometheus.yml", render_template("templates/prometheus/prometheus.yml.j2", ctx)});
  files.push_back({"prometheus/rules/vllm-alerts.yml", render_template("templates/prometheus/vllm-alerts.yml.j2", ctx)});
  files.push_back({"grafana/provisioning/datasources/datasources.yml",
                   render_template("templates/grafana/provisioning/datasources/datasources.yml.j2", ctx)});
  files.push_back({"grafana/provisioning/dashboards/dashboards.yml",
                   render_template("templates/grafana/provisioning/dashboards/dashboards.yml.j2", ctx)});
  if (runtime == "native") {
    files.push_back({"grafana/grafana.ini", render_template("templates/grafana/grafana.ini.j2", ctx)});
  }
  const std::string_view dashboards = "assets/dashboards/";
  for (const EmbeddedFile& f : embedded_files_under(dashboards)) {
    files.push_back({fs::path("grafana/dashboards") / std::string(f.path.substr(dashboards.size())), std::string(f.content)});
  }
  return files;
}

WriteResult write_stack_files(const std::vector<RenderedFile>& files, const StackConfig& config, const fs::path& dir,
                              bool force, System& system) {
  ojson manifest = ojson::object();
  if (auto text = system.read_file(dir / kManifest)) {
    manifest = ojson::parse(*text, nullptr, false);
    if (!manifest.is_object()) manifest = ojson::object();
  }
  ojson& written = manifest["files"];
  if (!written.is_object()) written = ojson::object();

  // First every check, then every write: a refusal leaves the directory as it was.
  std::vector<std::string> edited;
  std::vector<const RenderedFile*> to_write;
  for (const RenderedFile& f : files) {
    const std::string key = f.path.generic_string();
    const auto current = system.read_file(dir / f.path);
    if (current && *current == f.content) continue;
    if (current && !force) {
      const auto it = written.find(key);
      const bool ours = it != written.end() && it->is_string() && it->get<std::string>() == sha256_hex(*current);
      if (!ours) edited.push_back((dir / f.path).string());
    }
    to_write.push_back(&f);
  }
  if (!edited.empty()) {
    std::string list;
    for (const auto& e : edited) list += "\n  " + e;
    throw std::runtime_error(fmt::format(
        "these files were changed since vllmctl wrote them, so they were left alone (nothing was written):{}\n"
        "Put the change in the config instead, or run again with --force to replace them.",
        list));
  }
  WriteResult result;
  for (const RenderedFile* f : to_write) {
    system.write_file(dir / f->path, f->content, 0644);
    written[f->path.generic_string()] = sha256_hex(f->content);
    result.changed.push_back(f->path);
  }
  if (!system.exists(dir / kGrafanaPassword)) {
    system.write_file(dir / kGrafanaPassword, random_password() + "\n", 0600);
    result.secret_created = true;
  }
  if (!config.vllm.hf_token.empty() && config.vllm.hf_token_file.empty()) {
    if (system.read_file(dir / kHfToken) != config.vllm.hf_token) system.write_file(dir / kHfToken, config.vllm.hf_token, 0600);
  }
  if (!result.changed.empty() || !system.exists(dir / kManifest)) {
    system.write_file(dir / kManifest, manifest.dump(2) + "\n", 0644);
  }
  return result;
}

}  // namespace vllmctl
