# At boot the daemon gives both igb PFs their VFs and per-VF settings, then
# builds bond0 over them (active-backup, miimon 100): the VF-LAG order without
# the switchdev step, which igb (no devlink) cannot take. bond1's only slave
# does not exist yet, so bond1 waits; READY comes anyway.
#@ group: lag
#@ config: igb_lag.json
#@ daemon: yes
#@ timeout: 120

assert_eq "$(systemctl is-active sriov-manager)" active "sriov-manager.service"
for pf in $(igb_pfs); do
    assert_file_eq "/sys/bus/pci/devices/$pf/sriov_numvfs" 2
done

b=/sys/class/net/bond0/bonding
assert_eq "$(<$b/mode)" "active-backup 1" "bond0 mode"
assert_eq "$(<$b/miimon)" 100 "bond0 miimon"
assert_eq "$(bond_slaves bond0)" "enp1s0 enp2s0" "bond0 slaves"
is_up bond0 || fail "bond0 is not up"
wait_for "[[ -n \$(<$b/active_slave) ]]" 20
log "bond0 active slave: $(<$b/active_slave)"

# Per-VF settings, as `ip link` shows them.
run ip link show enp1s0
run ip link show enp2s0
vf0=$(vf_line enp1s0 0)
for want in "link/ether 02:00:00:00:01:00" "vlan 100" "qos 2" "spoof checking off" "trust on"; do
    [[ $vf0 == *"$want"* ]] || fail "enp1s0 vf 0: no '$want' in: $vf0"
done
[[ $(vf_line enp1s0 1) == *"spoof checking off"* ]] || fail "enp1s0 vf 1: spoof checking is on"
[[ $(vf_line enp2s0 1) == *"trust on"* ]] || fail "enp2s0 vf 1: not trusted"
[[ $(vf_line enp2s0 0) == *"trust off"* ]] || fail "enp2s0 vf 0 was changed but is not configured"

# The order: every PF's VFs exist before the bond takes its first slave.
enslaved=$(daemon_log_line '^bond0: enslaved ')
[[ -n $enslaved ]] || fail "no 'bond0: enslaved' line"
for pf in $(igb_pfs); do
    created=$(daemon_log_line "^$pf: set sriov_numvfs 0 -> 2$")
    [[ -n $created && $created -lt $enslaved ]] ||
        fail "$pf: VFs not created before bond0 took a slave (lines '$created', '$enslaved')"
done
assert_eq "$(daemon_actions enslave)" 2 "ACTION=enslave lines"
assert_eq "$(daemon_actions set_vf)" 3 "ACTION=set_vf lines"
run journalctl -b -u sriov-manager -o cat DEVICE=bond0

# bond1 waits for enp3s0; that is not a failure, and READY came.
daemon_log_has '^bond1: enslave: waiting for enp3s0 to appear$' ||
    fail "no 'waiting for enp3s0' line for bond1"
assert_eq "$(systemctl show -P StatusText sriov-manager)" \
    "2 devices and 1 bond configured, 0 failed, 1 waiting" STATUS
run sriov-manager --status
run sriov-manager --discover
[[ $(sriov-manager --discover) == *"mac 02:00:00:00:01:00 vlan 100 qos 2 spoofchk off trust on"* ]] ||
    fail "--discover does not show enp1s0 vf 0's settings"
