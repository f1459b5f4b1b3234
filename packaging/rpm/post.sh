if ! getent passwd vllmctl >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/vllmctl --no-create-home \
    --shell /sbin/nologin --comment "vllmctl server" vllmctl
fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
