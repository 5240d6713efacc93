# SIGHUP (systemctl reload): a valid new config is applied; an invalid one is
# rejected with every error logged, and the running config stays.
#@ group: daemon
#@ config: igb3.json
#@ daemon: yes
#@ timeout: 120

cfg=/etc/sriov-manager/config.json
cp "$cfg" /run/rig/config.orig
sed -i 's/"num_vfs": 3/"num_vfs": 2/' "$cfg"
run systemctl reload sriov-manager
for pf in $(igb_pfs); do
    wait_for "[[ \$(cat /sys/bus/pci/devices/$pf/sriov_numvfs) == 2 && ! -e /sys/bus/pci/devices/$pf/virtfn2 ]]" 60
done
wait_for "[[ \"\$(systemctl show -P StatusText sriov-manager)\" == '2 devices configured, 0 failed' ]]" 30
daemon_log_has 'config reloaded' || fail "no 'config reloaded' line"

cat >"$cfg" <<'JSON'
{"version": "1.0", "device_policies": [{"vendor_id": "8086", "device_id": "10c9", "nmu_vfs": 5}],
 "log_level": "loud"}
JSON
run systemctl reload sriov-manager
wait_for "daemon_log_has 'reload rejected'" 30
daemon_log_has 'device_policies\[0\]\.nmu_vfs: unknown field' ||
    fail "the rejected reload did not log the unknown field"
daemon_log_has 'log_level: "loud" is not one of' || fail "the rejected reload did not log every error"
assert_eq "$(systemctl is-active sriov-manager)" active "after a rejected reload"
sleep 1
for pf in $(igb_pfs); do
    assert_file_eq "/sys/bus/pci/devices/$pf/sriov_numvfs" 2
done

cp /run/rig/config.orig "$cfg"
run systemctl reload sriov-manager
for pf in $(igb_pfs); do
    wait_for "[[ -e /sys/bus/pci/devices/$pf/virtfn2 ]]" 60
done
