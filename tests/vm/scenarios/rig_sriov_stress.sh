# The rig's own soak test, run by hand (tests/vm/run rig_sriov_stress): both
# igb PFs go 0 -> 3 VFs side by side, 100 times (5.5 s a round).
# Without `idle=poll` on the guest's command line this hung the guest after
# 35 rounds: a halted vCPU missed its LAPIC timer interrupt under TCG (see
# tests/vm/README.md, "Cleanup and timeouts"). With it, 105 rounds ran clean.
#@ group: rig_sriov_stress
#@ explicit: yes
#@ timeout: 900
#@ show: yes

rounds=100
pfs=$(igb_pfs)
t0=$(date +%s)
for i in $(seq 1 "$rounds"); do
    s=$(date +%s%N)
    for pf in $pfs; do
        (echo 0 >"/sys/bus/pci/devices/$pf/sriov_numvfs"
            echo 3 >"/sys/bus/pci/devices/$pf/sriov_numvfs") &
    done
    wait
    for pf in $pfs; do
        assert_exists "/sys/bus/pci/devices/$pf/virtfn2"
    done
    ms=$((($(date +%s%N) - s) / 1000000))
    ((i % 10 == 0)) && log "round $i: $ms ms, $(($(date +%s) - t0)) s in all"
done
log "$rounds rounds in $(($(date +%s) - t0)) s"
