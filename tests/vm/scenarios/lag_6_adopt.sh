# A bond0 that the bonding module made by itself (`max_bonds=1`: balance-rr,
# miimon 0, down, no slaves; systemd's modprobe.d sets 0, so this has to be
# asked for) is adopted, not deleted and re-created: the daemon sets its mode
# and miimon, enslaves the PFs and brings it up, and the ifindex stays.
#@ group: lag
#@ config: igb_lag.json
#@ daemon: yes
#@ timeout: 120

run systemctl stop sriov-manager
run ip link del bond0
run ip link del bond1
run modprobe -r bonding
run modprobe bonding max_bonds=1
wait_for "[[ -e /sys/class/net/bond0 ]]" 10
assert_not_exists /sys/class/net/bond1
assert_eq "$(</sys/class/net/bond0/bonding/mode)" "balance-rr 0" "the module's bond0 mode"
assert_eq "$(</sys/class/net/bond0/bonding/miimon)" 0 "the module's bond0 miimon"
idx=$(</sys/class/net/bond0/ifindex)

run systemctl start sriov-manager
inv=$(systemctl show -P InvocationID sriov-manager)
wait_for "[[ \$(bond_slaves bond0) == 'enp1s0 enp2s0' ]]" 60
assert_eq "$(</sys/class/net/bond0/ifindex)" "$idx" "bond0's ifindex (adopted, not re-created)"
assert_eq "$(</sys/class/net/bond0/bonding/mode)" "active-backup 1" "bond0 mode"
assert_eq "$(</sys/class/net/bond0/bonding/miimon)" 100 "bond0 miimon"
is_up bond0 || fail "bond0 is not up"
daemon_log_has '^bond0: set bond mode balance-rr -> active-backup$' _SYSTEMD_INVOCATION_ID="$inv" ||
    fail "no 'set bond mode balance-rr -> active-backup' line for bond0"
if daemon_log_has '^bond0: created bond' _SYSTEMD_INVOCATION_ID="$inv"; then
    fail "bond0 was created anew instead of adopted"
fi
# bond1 is not the module's: it is created anew, over enp3s0 (lag_3's NIC).
wait_for "[[ \$(bond_slaves bond1) == enp3s0 ]]" 30
daemon_log_has '^bond1: created bond' _SYSTEMD_INVOCATION_ID="$inv" ||
    fail "no 'created bond' line for bond1"
wait_for "status_is '3 devices and 2 bonds configured, 0 failed'" 30
