# An invalid config at boot: the unit fails with status 78, is not restarted,
# logs every error, and no PF is touched.
#@ group: daemon_bad
#@ config: invalid.json
#@ daemon: yes
#@ timeout: 60

wait_for "systemctl is-failed --quiet sriov-manager" 30
assert_eq "$(systemctl show -P ExecMainStatus sriov-manager)" 78 "exit status"
sleep 7   # RestartSec is 5 s: a restart loop would have begun by now
assert_eq "$(systemctl show -P NRestarts sriov-manager)" 0 "restarts"
for pf in $(igb_pfs); do
    assert_file_eq "/sys/bus/pci/devices/$pf/sriov_numvfs" 0
done
log=$(journalctl -b -u sriov-manager -o cat)
for want in 'device_policies\[0\].nmu_vfs: unknown field' 'device_policies\[0\].num_vfs: missing' \
    'bond_configs\[0\].mode: "fastest" is not one of'; do
    grep -q "$want" <<<"$log" || fail "journal lacks: $want"
done
run journalctl -b -u sriov-manager -o cat
