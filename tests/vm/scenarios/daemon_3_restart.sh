# Restarting the daemon on a configured host recreates no VF: the VF
# interfaces keep their ifindex and MAC, and the new instance writes nothing.
#@ group: daemon
#@ config: igb3.json
#@ daemon: yes
#@ timeout: 90

vf_links() {
    local pf vf ifname
    for pf in $(igb_pfs); do
        for vf in /sys/bus/pci/devices/"$pf"/virtfn*; do
            for ifname in $(ls "$vf/net"); do
                echo "$(basename "$(readlink "$vf")") $ifname $(<"$vf/net/$ifname/ifindex") $(<"$vf/net/$ifname/address")"
            done
        done
    done
}

before=$(vf_links)
assert_eq "$(wc -l <<<"$before")" 6 "VF interfaces before the restart"
run systemctl restart sriov-manager
assert_eq "$(systemctl is-active sriov-manager)" active "sriov-manager.service after restart"
assert_eq "$(vf_links)" "$before" "VF addresses, interfaces, ifindexes and MACs"

inv=$(systemctl show -P InvocationID sriov-manager)
assert_eq "$(journalctl -b _SYSTEMD_INVOCATION_ID="$inv" ACTION=set_num_vfs -o cat | wc -l)" 0 "writes after restart"
assert_eq "$(systemctl show -P StatusText sriov-manager)" "2 devices configured, 0 failed" STATUS
