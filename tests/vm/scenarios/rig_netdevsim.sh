# netdevsim gives a devlink device with SR-IOV and switchdev mode, so the
# eswitch paths can be tested without hardware that supports them.
#@ group: rig
#@ iommu: yes
#@ timeout: 120

modprobe netdevsim
echo "11 2" >/sys/bus/netdevsim/new_device
dev=/sys/bus/netdevsim/devices/netdevsim11
wait_for "[[ -e $dev/sriov_numvfs ]]" 30
run devlink dev show netdevsim/netdevsim11
assert_eq "$(ls "$dev/net" | wc -l)" 2 "netdevsim11 ports"

echo 2 >"$dev/sriov_numvfs"
assert_file_eq "$dev/sriov_numvfs" 2

run devlink dev eswitch set netdevsim/netdevsim11 mode switchdev
assert_eq "$(devlink -j dev eswitch show netdevsim/netdevsim11 | jq -r '.[][].mode')" \
    switchdev "eswitch mode"

# Representors: one port of flavour pcivf per VF.
vf_reps() { devlink -j port show | jq '[.port[] | select(.flavour == "pcivf")] | length'; }
wait_for '[[ $(vf_reps) == 2 ]]' 30
run devlink port show

run devlink dev eswitch set netdevsim/netdevsim11 mode legacy
echo 0 >"$dev/sriov_numvfs"
echo 11 >/sys/bus/netdevsim/del_device
assert_not_exists "$dev"
