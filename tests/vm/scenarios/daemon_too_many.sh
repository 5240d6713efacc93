# num_vfs above sriov_totalvfs on one PF: that PF's error is logged and shown
# in STATUS, the service is still READY, and the other PF is configured.
#@ group: daemon_toomany
#@ config: toomany.json
#@ daemon: yes
#@ timeout: 60

assert_eq "$(systemctl is-active sriov-manager)" active "sriov-manager.service"
assert_file_eq /sys/bus/pci/devices/0000:02:00.0/sriov_numvfs 2
assert_file_eq /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs 0
status=$(systemctl show -P StatusText sriov-manager)
want='1 devices configured, 1 failed (0000:01:00.0: set sriov_numvfs to 8: device supports at most 7 VFs (sriov_totalvfs))'
assert_eq "$status" "$want" STATUS
daemon_log_has 'at most 7 VFs' DEVICE=0000:01:00.0 PRIORITY=4 ||
    fail "no warning for 0000:01:00.0 in the journal"
