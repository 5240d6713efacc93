# A netdevsim device that goes away and comes back (for a real card: a PF
# reset, a firmware reset or a hotplug) gets its VFs, its switchdev mode with
# representors, and its place in the bond back.
#@ group: switchdev
#@ nics: 0
#@ netdevsim: 10 1, 11 1
#@ config: nsim_lag.json
#@ daemon: yes
#@ timeout: 120

dev=netdevsim/netdevsim10
run sh -c 'echo 10 > /sys/bus/netdevsim/del_device'
wait_for "[[ \$(bond_slaves bond0) == eni11np1 ]]" 30
wait_for "daemon_log_has '^$dev: device is gone'" 30
log "netdevsim10 deleted: eni10np1 left bond0, the daemon forgot the device"

run sh -c 'echo "10 1" > /sys/bus/netdevsim/new_device'
wait_for "[[ \$(bond_slaves bond0) == 'eni10np1 eni11np1' ]]" 60
assert_file_eq /sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs 2
[[ $(devlink dev eswitch show $dev) == *"mode switchdev"* ]] || fail "$dev: not in switchdev"
reps=$(devlink port show | awk -v d="$dev/" 'index($1, d) == 1 && /flavour pcivf/' | wc -l)
assert_eq "$reps" 2 "$dev: VF representor ports after the re-creation"
wait_for "status_is '2 devices and 1 bond configured, 0 failed'" 30
run journalctl -b -u sriov-manager -o cat DEVICE=$dev
