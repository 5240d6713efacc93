# A hot-plugged NIC is configured, and its hot-unplug is noticed.
#@ group: daemon
#@ config: igb3.json
#@ daemon: yes
#@ timeout: 180

before=$(igb_pfs)
hotplug "$RIG_HOTPLUG_BUS" nic9
wait_for "[[ \$(igb_pfs | wc -l) -eq 3 ]]" 60
new=$(comm -13 <(sort <<<"$before") <(igb_pfs | sort))
log "hot-plugged $new"

wait_for "[[ -e /sys/bus/pci/devices/$new/virtfn2 ]]" 60
assert_file_eq "/sys/bus/pci/devices/$new/sriov_numvfs" 3
wait_for "[[ \"\$(systemctl show -P StatusText sriov-manager)\" == '3 devices configured, 0 failed' ]]" 30
run journalctl -b -u sriov-manager -o cat DEVICE="$new"

unplug nic9
wait_for "[[ ! -e /sys/bus/pci/devices/$new ]]" 60
wait_for "daemon_log_has 'device is gone' DEVICE=$new" 30
wait_for "[[ \"\$(systemctl show -P StatusText sriov-manager)\" == '2 devices configured, 0 failed' ]]" 30
[[ $(sriov-manager --status) != *"$new"* ]] || fail "$new still in the state file after unplug"
