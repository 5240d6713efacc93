# Restarting the daemon on a host with bonds, VFs and VF settings in place
# changes nothing: no action is logged, the VF interfaces keep their ifindex.
#@ group: lag
#@ config: igb_lag.json
#@ daemon: yes
#@ timeout: 90

ifindexes() { cat /sys/class/net/*/ifindex | sort -n | paste -sd' '; }
before=$(ifindexes)
run systemctl restart sriov-manager
assert_eq "$(systemctl is-active sriov-manager)" active "sriov-manager.service after restart"
inv=$(systemctl show -P InvocationID sriov-manager)
# journalctl has no "field is set" match; count info lines with an ACTION field instead.
changes=$(journalctl -b _SYSTEMD_INVOCATION_ID="$inv" -o json --no-pager |
    grep -c '"ACTION":' || true)
assert_eq "$changes" 0 "changes after restart"
assert_eq "$(ifindexes)" "$before" "interface ifindexes"
assert_eq "$(bond_slaves bond0)" "enp1s0 enp2s0" "bond0 slaves"
wait_for "status_is '3 devices and 2 bonds configured, 0 failed'" 30
# For the record (targets are measured by benches/idle, not here): the memory
# of a daemon that holds devlink and rtnetlink sockets.
log "idle daemon: $(grep VmRSS "/proc/$(systemctl show -P MainPID sriov-manager)/status")"
