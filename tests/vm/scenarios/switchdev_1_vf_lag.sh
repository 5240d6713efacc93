# VF-LAG with switchdev, as the daemon applies it at boot on two netdevsim
# devices: VFs, then switchdev (which makes a representor per VF), then the
# bond over both ports. netdevsim VFs are not PCI functions, so there is no
# VF driver to unbind around the mode change.
#@ group: switchdev
#@ nics: 0
#@ netdevsim: 10 1, 11 1
#@ config: nsim_lag.json
#@ daemon: yes
#@ timeout: 120

assert_eq "$(systemctl is-active sriov-manager)" active "sriov-manager.service"
for id in 10 11; do
    dev=netdevsim/netdevsim$id
    assert_file_eq "/sys/bus/netdevsim/devices/netdevsim$id/sriov_numvfs" 2
    run devlink dev eswitch show $dev
    [[ $(devlink dev eswitch show $dev) == *"mode switchdev"* ]] || fail "$dev: not in switchdev"
    ports=$(devlink port show | awk -v d="$dev/" 'index($1, d) == 1')
    log "$ports"
    reps=$(grep -c 'flavour pcivf .*' <<<"$ports" || true)
    assert_eq "$reps" 2 "$dev: VF representor ports"
    [[ $(grep 'flavour pcivf' <<<"$ports" | grep -c 'netdev ' || true) -eq 2 ]] ||
        fail "$dev: a representor port has no netdev"

    # The order: VFs, then the mode, then the bond.
    vfs=$(daemon_log_line "^$dev: set sriov_numvfs 0 -> 2$")
    mode=$(daemon_log_line "^$dev: set eswitch mode legacy -> switchdev$")
    [[ -n $vfs && -n $mode && $vfs -lt $mode ]] ||
        fail "$dev: VFs (line '$vfs') not before switchdev (line '$mode')"
    bond=$(daemon_log_line '^bond0: enslaved ')
    [[ -n $bond && $mode -lt $bond ]] || fail "$dev: switchdev (line '$mode') not before the bond"
done

assert_eq "$(</sys/class/net/bond0/bonding/mode)" "active-backup 1" "bond0 mode"
assert_eq "$(</sys/class/net/bond0/bonding/miimon)" 100 "bond0 miimon"
assert_eq "$(bond_slaves bond0)" "eni10np1 eni11np1" "bond0 slaves"
assert_eq "$(daemon_actions set_eswitch_mode)" 2 "ACTION=set_eswitch_mode lines"
assert_eq "$(systemctl show -P StatusText sriov-manager)" "2 devices and 1 bond configured, 0 failed" STATUS
status=$(sriov-manager --status --json)
[[ $(jq -r '.devices[] | select(.bus == "netdevsim") | .observed.eswitch_mode' <<<"$status" |
    sort -u) == switchdev ]] || fail "state file: eswitch mode is not switchdev: $status"
