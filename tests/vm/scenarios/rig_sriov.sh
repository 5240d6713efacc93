# The guest has real SR-IOV: two emulated 82576 PFs whose VFs come and go
# when sriov_numvfs is written by hand.
#@ group: rig
#@ iommu: yes
#@ timeout: 120

pfs=$(igb_pfs)
assert_eq "$(wc -w <<<"$pfs")" 2 "igb PFs (8086:10c9)"

for pf in $pfs; do
    dev=/sys/bus/pci/devices/$pf
    assert_eq "$(pci_driver "$pf")" igb "$pf driver"
    assert_file_eq "$dev/sriov_totalvfs" 7
    assert_file_eq "$dev/sriov_numvfs" 0
    [[ -n $(pci_netdev "$pf") ]] || fail "$pf: no net interface"
    log "$pf: igb, interface $(pci_netdev "$pf"), 7 VFs possible"
done

pf=$(head -n1 <<<"$pfs")
dev=/sys/bus/pci/devices/$pf
run sh -c "echo 2 > $dev/sriov_numvfs"
wait_for "[[ -e $dev/virtfn1 ]]" 30

for i in 0 1; do
    vf=$(basename "$(readlink "$dev/virtfn$i")")
    assert_eq "$(<"/sys/bus/pci/devices/$vf/device")" 0x10ca "$vf device id"
    wait_for "[[ \$(pci_driver $vf) == igbvf ]]" 30
    wait_for "[[ -n \$(pci_netdev $vf) ]]" 30
    log "VF $i: $vf, igbvf, interface $(pci_netdev "$vf")"
done
run ip -br link show

run sh -c "echo 0 > $dev/sriov_numvfs"
wait_for "[[ ! -e $dev/virtfn0 ]]" 30
assert_eq "$(igb_vfs | wc -l)" 0 "VFs left after sriov_numvfs=0"
