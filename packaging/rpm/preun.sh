if [ "$1" = 0 ] && [ -d /run/systemd/system ]; then
  systemctl stop vllmctl.service >/dev/null 2>&1 || true
fi
