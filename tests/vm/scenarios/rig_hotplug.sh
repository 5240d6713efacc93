# The host can hot-plug an igb into the empty root port, and unplug it.
#@ group: rig
#@ iommu: yes
#@ timeout: 150

before=$(igb_pfs)
hotplug "$RIG_HOTPLUG_BUS" nic9
wait_for "[[ \$(igb_pfs | wc -l) -gt $(wc -l <<<"$before") ]]" 60

new=$(comm -13 <(sort <<<"$before") <(igb_pfs | sort))
wait_for "[[ \$(pci_driver $new) == igb ]]" 30
wait_for "[[ -n \$(pci_netdev $new) ]]" 30
log "hot-plugged $new: igb, interface $(pci_netdev "$new")"

unplug nic9
wait_for "[[ ! -e /sys/bus/pci/devices/$new ]]" 60
assert_eq "$(igb_pfs)" "$before" "igb PFs after unplug"
