# bond1's slave appears later: a hot-plugged NIC becomes enp3s0, gets its VFs
# and VF settings from its policy, and completes bond1.
#@ group: lag
#@ config: igb_lag.json
#@ daemon: yes
#@ timeout: 180

assert_eq "$(bond_slaves bond1)" "" "bond1 slaves before the hotplug"
hotplug "$RIG_HOTPLUG_BUS" nic9
wait_for "[[ -e /sys/class/net/enp3s0 ]]" 60
pf=$(basename "$(readlink -f /sys/class/net/enp3s0/device)")
log "hot-plugged $pf as enp3s0"

wait_for "[[ \$(bond_slaves bond1) == enp3s0 ]]" 60
wait_for "[[ -e /sys/bus/pci/devices/$pf/virtfn1 ]]" 60
wait_for "[[ \$(vf_line enp3s0 1) == *'trust on'* ]]" 30
assert_eq "$(</sys/class/net/bond1/bonding/mode)" "active-backup 1" "bond1 mode"
wait_for "status_is '3 devices and 2 bonds configured, 0 failed'" 30
run journalctl -b -u sriov-manager -o cat DEVICE=bond1
