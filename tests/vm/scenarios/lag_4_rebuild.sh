# A configured bond deleted by hand comes back by itself: its removal event
# maps to the bond, and the daemon builds it again with its slave.
#@ group: lag
#@ config: igb_lag.json
#@ daemon: yes
#@ timeout: 90

assert_eq "$(bond_slaves bond1)" enp3s0 "bond1 slaves before"
run ip link del bond1
wait_for "[[ -e /sys/class/net/bond1 ]]" 30
wait_for "[[ \$(bond_slaves bond1) == enp3s0 ]]" 30
assert_eq "$(</sys/class/net/bond1/bonding/mode)" "active-backup 1" "bond1 mode"
assert_eq "$(</sys/class/net/bond1/bonding/miimon)" 100 "bond1 miimon"
wait_for "is_up bond1" 30
wait_for "status_is '3 devices and 2 bonds configured, 0 failed'" 30
run journalctl -b -u sriov-manager -o cat DEVICE=bond1
