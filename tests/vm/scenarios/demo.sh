# A walk through for people: the daemon gives every 82576 two VFs at boot and
# again when one is hot-plugged. Runs only when named: tests/vm/run demo
#@ group: demo
#@ explicit: yes
#@ daemon: yes
#@ config: demo.json
#@ show: yes
#@ timeout: 300

log "== sriov-manager --discover (at boot)"
run sriov-manager --discover

log "== hot-plugging an igb into $RIG_HOTPLUG_BUS"
before=$(igb_pfs | wc -l)
hotplug "$RIG_HOTPLUG_BUS" nic9
wait_for "[[ \$(igb_pfs | wc -l) -gt $before ]]" 60
new=$(igb_pfs | sort | tail -n1)
# The daemon's answer to the hotplug: two VFs on the new PF.
wait_for "[[ \$(cat /sys/bus/pci/devices/$new/sriov_numvfs) == 2 ]]" 60
settle

log "== journalctl -u sriov-manager"
daemon_journal

log "== sriov-manager --discover (after the hotplug)"
run sriov-manager --discover
