# With the emulated IOMMU, a VF can be handed from igbvf to vfio-pci (the
# path for VFs given to VMs or DPDK) and back.
#@ group: rig
#@ iommu: yes
#@ timeout: 90

[[ -n $(ls /sys/kernel/iommu_groups) ]] || fail "no IOMMU groups: intel-iommu missing"
pf=$(igb_pfs | head -n1)
dev=/sys/bus/pci/devices/$pf
echo 1 >"$dev/sriov_numvfs"
wait_for "[[ -e $dev/virtfn0 ]]" 30
vf=$(basename "$(readlink "$dev/virtfn0")")
wait_for "[[ \$(pci_driver $vf) == igbvf ]]" 30

run modprobe vfio-pci
echo vfio-pci >"/sys/bus/pci/devices/$vf/driver_override"
echo "$vf" >/sys/bus/pci/drivers/igbvf/unbind
echo "$vf" >/sys/bus/pci/drivers_probe
assert_eq "$(pci_driver "$vf")" vfio-pci "$vf driver"
group=$(basename "$(readlink "/sys/bus/pci/devices/$vf/iommu_group")")
assert_exists "/dev/vfio/$group"
log "$vf: vfio-pci, /dev/vfio/$group"

echo "$vf" >/sys/bus/pci/drivers/vfio-pci/unbind
echo >"/sys/bus/pci/devices/$vf/driver_override"
echo 0 >"$dev/sriov_numvfs"
wait_for "[[ ! -e $dev/virtfn0 ]]" 30
