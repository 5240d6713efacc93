# SIGTERM (systemctl stop): STOPPING, a clean exit 0, and the VFs stay.
# Also: the installed unit passes systemd-analyze verify on a real systemd.
#@ group: daemon
#@ config: igb3.json
#@ daemon: yes
#@ timeout: 60

run systemd-analyze verify /etc/systemd/system/sriov-manager.service

run systemctl stop sriov-manager
assert_eq "$(systemctl show -P Result sriov-manager)" success "Result after stop"
assert_eq "$(systemctl show -P ExecMainStatus sriov-manager)" 0 "exit status after stop"
daemon_log_has 'SIGTERM received' || fail "no 'SIGTERM received' line"
daemon_log_has 'stopping; VFs and bonds stay as they are' || fail "no stopping line"
for pf in $(igb_pfs); do
    assert_file_eq "/sys/bus/pci/devices/$pf/sriov_numvfs" 3
    assert_exists "/sys/bus/pci/devices/$pf/virtfn2"
done
run systemctl start sriov-manager
