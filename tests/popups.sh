#!/usr/bin/env bash
# The desktop popups against a real D-Bus session: a private session bus whose only
# notification server is the recording listener the tests start (frontdesk_notify::listener).
# The bus has no service directories, so nothing can be activated as a notification server,
# not even on a desktop that has one installed: the "no server" test relies on that.
set -euo pipefail
export NO_AT_BRIDGE=1
cd "$(dirname "$0")/.."
conf_dir=$(mktemp -d)
trap 'rm -rf "$conf_dir"' EXIT
cat >"$conf_dir/session.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
dbus-run-session --config-file="$conf_dir/session.conf" -- \
  cargo test -p frontdesk-notify --test it -- --include-ignored \
  2> >(grep -v "Failed to set fd limit" >&2)
