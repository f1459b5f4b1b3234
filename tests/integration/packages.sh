#!/usr/bin/env bash
# The .deb and .rpm from CPack: lintian and rpmlint report no errors (the rpm's missing
# signature aside, see packaging/README.md); the .deb installs with dpkg, runs, renders the
# stack from the binary alone, its unit passes `systemd-analyze verify`, and it leaves only
# the conffile on remove and nothing on purge; the .rpm's file list and scripts are right
# and its payload runs when extracted. Needs root (dpkg -i) and the package tools from
# `bash packaging/setup.sh --test`; runs alone (RUN_SERIAL): it installs into /.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
for tool in cpack dpkg-deb lintian rpmlint rpm rpm2cpio cpio systemd-analyze; do
  command -v "$tool" >/dev/null || { echo "packages: '$tool' is missing; run 'bash packaging/setup.sh --test'" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "packages: needs root to install the .deb (CI runs as root)" >&2; exit 1; }
if dpkg-query -W -f='${Status}' vllmctl 2>/dev/null | grep -q installed; then
  echo "packages: a vllmctl package is already installed here; remove it first (dpkg -P vllmctl)" >&2; exit 1
fi
build=$(dirname "$VLLMCTL")
src=${VLLMCTL_SOURCE_DIR:?}
use_workdir
trap 'dpkg -P vllmctl >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

(cd "$build" && cpack -B "$work/pkg" > "$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; exit 1; }
deb=$(ls "$work"/pkg/vllmctl_*_amd64.deb); rpm=$(ls "$work"/pkg/vllmctl-*.x86_64.rpm)

# Lint: no errors; lintian's only remark here is about running as root.
lintian "$deb" > "$work/lintian.out" 2>&1 || true
if grep -E '^[EW]: ' "$work/lintian.out"; then echo "lintian found the above" >&2; exit 1; fi
rpmlint -c "$src/packaging/rpmlintrc.toml" "$rpm" > "$work/rpmlint.out" 2>&1 || true
if grep ': E: ' "$work/rpmlint.out" | grep -v 'E: no-signature'; then echo "rpmlint errors (see above)" >&2; exit 1; fi

# The .deb: metadata, install, run.
# (Outputs go through variables: `cmd | grep -q` can die of SIGPIPE under pipefail.)
depends=$(dpkg-deb -f "$deb" Depends)
grep -q libcpp-httplib <<<"$depends"
if grep -qi cuda <<<"$depends"; then echo "the .deb must not depend on CUDA" >&2; exit 1; fi
# ... but suggests the cuBLAS it opens at run time for the GPU.
grep -q "libcublas-13-0" <<<"$(dpkg-deb -f "$deb" Suggests)"
dpkg-deb --ctrl-tarfile "$deb" > "$work/control.tar"
[ "$(tar -xOf "$work/control.tar" ./conffiles)" = /etc/vllmctl/vllmctl.toml ]
dpkg -i "$deb" > "$work/dpkg-i.log" 2>&1 || { cat "$work/dpkg-i.log" >&2; exit 1; }
getent passwd vllmctl >/dev/null || { echo "postinst did not create the vllmctl user" >&2; exit 1; }
installed_version=$(/usr/bin/vllmctl version)
grep -q "vllmctl 0.1.0" <<<"$installed_version"
# The installed binary says which backend it would serve on, and why: on CI (no NVIDIA
# driver) the CPU, naming the missing driver; on a GPU host the GPU and cuBLASLt.
auto_json=$(/usr/bin/vllmctl version --json)
auto_device=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["auto_device"])' <<<"$auto_json")
auto_reason=$(/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["auto_device_reason"])' <<<"$auto_json")
case "$auto_device" in cpu) want="the CPU" ;; cuda) want="the GPU" ;; *) want="?" ;; esac
grep -qF "backend: serve --device auto uses $want: $auto_reason" <<<"$installed_version" || {
  echo "vllmctl version does not say which backend it uses:" >&2; echo "$installed_version" >&2; exit 1; }
if ! /usr/bin/python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["cuda_usable"] else 1)' <<<"$auto_json"; then
  [ "$auto_device" = cpu ] || { echo "no usable GPU, yet auto_device is $auto_device" >&2; exit 1; }
fi
(cd "$work" && HOME="$work/home" /usr/bin/vllmctl --config /etc/vllmctl/vllmctl.toml stack render --runtime native --out "$work/rendered" >/dev/null)
[ -s "$work/rendered/grafana/dashboards/vllm-overview.json" ] && [ -s "$work/rendered/prometheus/rules/vllm-alerts.yml" ]
man -w vllmctl >/dev/null
bash -c 'source /usr/share/bash-completion/completions/vllmctl; COMP_WORDS=(vllmctl sta); COMP_CWORD=1; _vllmctl; [ "${COMPREPLY[*]}" = stack ]'
systemd-analyze verify /usr/lib/systemd/system/vllmctl.service > "$work/verify.out" 2>&1 || { cat "$work/verify.out" >&2; exit 1; }
if grep -v "^$" "$work/verify.out" | grep -v -i "failed to .*bus\|system has not been booted"; then
  echo "systemd-analyze verify complained (above)" >&2; exit 1
fi
grep -q '^NoNewPrivileges=yes' /usr/lib/systemd/system/vllmctl.service
grep -q '^ProtectSystem=strict' /usr/lib/systemd/system/vllmctl.service
grep -q '^StateDirectory=vllmctl' /usr/lib/systemd/system/vllmctl.service

# The conffile survives an upgrade: a local edit is kept when the same package is reinstalled.
echo '# local edit' >> /etc/vllmctl/vllmctl.toml
dpkg -i --force-confold "$deb" > /dev/null 2>&1
grep -q '# local edit' /etc/vllmctl/vllmctl.toml

# Remove: only the conffile stays. Purge: nothing.
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\.||' | grep -v '/$')
dpkg -r vllmctl > /dev/null
for f in $files; do
  [ "$f" = /etc/vllmctl/vllmctl.toml ] && continue
  [ ! -e "$f" ] || { echo "left after dpkg -r: $f" >&2; exit 1; }
done
[ -e /etc/vllmctl/vllmctl.toml ] || { echo "dpkg -r removed the conffile" >&2; exit 1; }
dpkg -P vllmctl > /dev/null
for f in $files; do [ ! -e "$f" ] || { echo "left after dpkg -P: $f" >&2; exit 1; }; done
[ ! -e /etc/vllmctl ] || { echo "/etc/vllmctl left after purge" >&2; exit 1; }

# The .rpm: files, scripts, and a payload that runs.
rpm -qpl "$rpm" 2>/dev/null > "$work/rpm-files"
for f in /usr/bin/vllmctl /etc/vllmctl/vllmctl.toml /usr/lib/systemd/system/vllmctl.service \
         /usr/share/man/man1/vllmctl.1.gz /usr/share/bash-completion/completions/vllmctl /usr/share/doc/vllmctl/copyright; do
  grep -qx "$f" "$work/rpm-files" || { echo "the rpm lacks $f" >&2; cat "$work/rpm-files" >&2; exit 1; }
done
grep -qx /etc/vllmctl/vllmctl.toml <<<"$(rpm -qp --configfiles "$rpm" 2>/dev/null)"
grep -q libcublas-13-0 <<<"$(rpm -qp --suggests "$rpm" 2>/dev/null)"
rpm -qp --scripts "$rpm" 2>/dev/null > "$work/rpm-scripts"
grep -q 'postinstall scriptlet' "$work/rpm-scripts" && grep -q 'useradd --system' "$work/rpm-scripts"
grep -q 'preuninstall scriptlet' "$work/rpm-scripts" && grep -q 'systemctl stop vllmctl.service' "$work/rpm-scripts"
mkdir "$work/rpmroot" && (cd "$work/rpmroot" && rpm2cpio "$rpm" | cpio -idm --quiet)
grep -q "vllmctl 0.1.0" <<<"$("$work/rpmroot/usr/bin/vllmctl" version)"
echo "PASS: packages (.deb installed and purged cleanly; .rpm checked)"
