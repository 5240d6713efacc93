# A restart on the configured switchdev host changes nothing: no action is
# logged and the representors keep their ifindexes.
#@ group: switchdev
#@ nics: 0
#@ netdevsim: 10 1, 11 1
#@ config: nsim_lag.json
#@ daemon: yes
#@ timeout: 90

ifindexes() { cat /sys/class/net/*/ifindex | sort -n | paste -sd' '; }
before=$(ifindexes)
run systemctl restart sriov-manager
inv=$(systemctl show -P InvocationID sriov-manager)
changes=$(journalctl -b _SYSTEMD_INVOCATION_ID="$inv" -o json --no-pager |
    grep -c '"ACTION":' || true)
assert_eq "$changes" 0 "changes after restart"
assert_eq "$(ifindexes)" "$before" "interface ifindexes (representors included)"
assert_eq "$(systemctl show -P StatusText sriov-manager)" "2 devices and 1 bond configured, 0 failed" STATUS
