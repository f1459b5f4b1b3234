#!/usr/bin/env bash
# `vllmctl stack render` and `stack init` from the outside: the rendered files are accepted
# by the tools that consume them (docker-compose config, Debian's v1; promtool check config
# and check rules) for a few configs and both runtimes; a bad config fails with the key and
# the fix and touches nothing on disk; hand edits survive a re-render without --force.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
for tool in docker-compose promtool; do
  command -v "$tool" >/dev/null || { echo "stack_render: '$tool' is missing; run 'bash packaging/setup.sh --test'" >&2; exit 1; }
done
use_workdir
cd "$work"

check_rendered() {  # DIR RUNTIME
  local dir=$1 runtime=$2
  (cd "$dir" && docker-compose -p vllmctl config -q) || { echo "docker-compose rejects $dir/docker-compose.yml" >&2; exit 1; }
  # Docker paths point inside the containers: syntax only. Native paths are real: full check.
  local syntax=(--syntax-only); [ "$runtime" = native ] && syntax=()
  promtool check config "${syntax[@]}" "$dir/prometheus/prometheus.yml" >/dev/null
  promtool check rules "$dir/prometheus/rules/vllm-alerts.yml" >/dev/null
  for f in "$dir"/grafana/dashboards/*.json; do node -e 'JSON.parse(require("fs").readFileSync(process.argv[1]))' "$f"; done
  [ "$(stat -c %a "$dir/secrets/grafana_admin_password")" = 600 ] || { echo "password file is not 0600" >&2; exit 1; }
}

# 1. No config at all, both runtimes.
for runtime in docker native; do
  : > empty.toml
  HOME="$work/home" "$VLLMCTL" --config empty.toml stack render --runtime "$runtime" --out "$work/default-$runtime" >/dev/null
  check_rendered "$work/default-$runtime" "$runtime"
done
grep -q '"127.0.0.1:8000"' default-native/prometheus/prometheus.yml
grep -q '"host.docker.internal:8000"' default-docker/prometheus/prometheus.yml

# 2. The starter config of `stack init` renders as it is; a second init refuses.
"$VLLMCTL" --config "$work/init.toml" stack init >/dev/null
expect_fail "init.toml exists; .*--force" "$VLLMCTL" --config "$work/init.toml" stack init
"$VLLMCTL" --config "$work/init.toml" stack render --runtime docker --out "$work/init-docker" >/dev/null
check_rendered "$work/init-docker" docker

# 3. Everything at once: auth, TLS, labels, alert thresholds, the vLLM service, dcgm, .env.
cat > full.toml <<'TOML'
[stack]
scrape_interval = "5s"
bind = "0.0.0.0"
dcgm_exporter = true
[stack.alerts]
ttft_p95_seconds = 1.5
[[stack.targets]]
name = "gpu-a"
url = "https://gpu-a.example.com:8443/metrics"
labels = { model = "qwen" }
bearer_token_file = "/etc/vllmctl/token"
tls_ca_file = "/etc/ssl/ca.pem"
[vllm]
enabled = true
TOML
printf 'HF_TOKEN=hf_abc\nVLLM_MODEL=Qwen/Qwen2.5-7B-Instruct\n' > .env
"$VLLMCTL" --config full.toml stack render --runtime docker --out "$work/full" >/dev/null
check_rendered "$work/full" docker
grep -q '"Qwen/Qwen2.5-7B-Instruct"' full/docker-compose.yml
grep -q 'job_name: "vllm-vllm"' full/prometheus/prometheus.yml
grep -q '> 1.5$' full/prometheus/rules/vllm-alerts.yml
[ "$(cat full/secrets/hf_token)" = hf_abc ] && [ "$(stat -c %a full/secrets/hf_token)" = 600 ]
if grep -q hf_abc full/docker-compose.yml; then echo "the HF token leaked into the compose file" >&2; exit 1; fi
rm .env

# 4. Hand edits survive; --force replaces them; the password stays the same.
password=$(cat full/secrets/grafana_admin_password)
echo "# my change" >> full/prometheus/prometheus.yml
sed -i 's/"5s"/"10s"/' full.toml
expect_fail "changed since vllmctl wrote them" "$VLLMCTL" --config full.toml stack render --runtime docker --out "$work/full"
grep -q "# my change" full/prometheus/prometheus.yml
grep -q "scrape_interval: 5s" full/prometheus/prometheus.yml  # nothing was written
"$VLLMCTL" --config full.toml stack render --runtime docker --out "$work/full" --force >/dev/null
grep -q "scrape_interval: 10s" full/prometheus/prometheus.yml
[ "$(cat full/secrets/grafana_admin_password)" = "$password" ]

# 5. Bad configs: the key and the fix, and nothing on disk changes (not even a new dir).
snapshot() { find "$work/full" -type f -printf '%p %s %T@\n' | sort | md5sum; }
before=$(snapshot)
bad() {  # PATTERN TOML...
  local pattern=$1; shift
  printf '%s\n' "$@" > bad.toml
  expect_fail "$pattern" "$VLLMCTL" --config bad.toml stack render --out "$work/full"
  expect_fail "$pattern" "$VLLMCTL" --config bad.toml stack up --dir "$work/never"
}
bad 'stack.retention_days: unknown key; valid keys in \[stack\]' '[stack]' 'retention_days = 30'
bad "stack.targets\[0\].url: 'http//oops:8000' is not an http\(s\) URL; write it like" '[[stack.targets]]' 'name = "a"' 'url = "http//oops:8000"'
bad "stack.long_term_retention: '12 parsecs' is not a retention period; write months as" '[stack]' 'long_term_retention = "12 parsecs"'
[ "$(snapshot)" = "$before" ] || { echo "a bad config changed files on disk" >&2; exit 1; }
[ ! -e "$work/never" ] || { echo "a bad config created the stack directory" >&2; exit 1; }
echo "PASS: stack render"
