# The watchdog: a live daemon keeps systemd's watchdog fed; a hung one is
# killed and restarted.
#@ group: daemon
#@ config: igb3.json
#@ daemon: yes
#@ timeout: 120

mkdir -p /run/systemd/system/sriov-manager.service.d
cat >/run/systemd/system/sriov-manager.service.d/watchdog.conf <<'INI'
[Service]
WatchdogSec=2s
TimeoutAbortSec=2s
INI
run systemctl daemon-reload
run systemctl restart sriov-manager
restarts=$(systemctl show -P NRestarts sriov-manager)

sleep 6
assert_eq "$(systemctl is-active sriov-manager)" active "after 3 watchdog periods"
assert_eq "$(systemctl show -P NRestarts sriov-manager)" "$restarts" "restarts while alive"

pid=$(systemctl show -P MainPID sriov-manager)
run kill -STOP "$pid"
wait_for "[[ \$(systemctl show -P NRestarts sriov-manager) -gt $restarts ]]" 30
daemon_log_has '[Ww]atchdog timeout' || fail "systemd logged no watchdog timeout for the unit"
wait_for "systemctl is-active --quiet sriov-manager" 60
[[ $(systemctl show -P MainPID sriov-manager) != "$pid" ]] || fail "the hung daemon was not replaced"

rm -r /run/systemd/system/sriov-manager.service.d
run systemctl daemon-reload
