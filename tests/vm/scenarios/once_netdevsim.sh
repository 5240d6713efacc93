# On a real kernel, without the daemon: --discover finds the netdevsim device
# (no PCI IDs, another bus) and reads its eswitch mode over devlink; --once
# gives it VFs through the drivers selector, and a second --once writes nothing.
#@ group: once
#@ netdevsim: 10 2
#@ config: netdevsim.json
#@ timeout: 90

json=$(sriov-manager --discover --json)
log "$json"
grep -q '"bus": "netdevsim"' <<<"$json" || fail "netdevsim10 not discovered"
grep -q '"eswitch_mode": "legacy"' <<<"$json" || fail "devlink did not report the legacy eswitch"

run sriov-manager --dry-run
run sriov-manager --once
assert_file_eq /sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs 2
out=$(sriov-manager --once)
assert_eq "$(tail -n1 <<<"$out")" "1 devices configured, 0 failed, 0 changes made" "second --once"

run devlink dev eswitch set netdevsim/netdevsim10 mode switchdev
sriov-manager --discover --json | grep -q '"eswitch_mode": "switchdev"' ||
    fail "devlink did not report switchdev after the change"
run sriov-manager --discover
run devlink dev eswitch set netdevsim/netdevsim10 mode legacy
