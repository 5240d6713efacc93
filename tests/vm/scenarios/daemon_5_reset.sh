# A PF reset (driver unbind and bind) loses the PF's VFs; the daemon brings
# them back. Prints the event-to-write latency seen under TCG.
#@ group: daemon
#@ config: igb3.json
#@ daemon: yes
#@ timeout: 120

pfs=($(igb_pfs))
pf=${pfs[0]}
dev=/sys/bus/pci/devices/$pf
run sh -c "echo $pf > /sys/bus/pci/drivers/igb/unbind"
wait_for "[[ ! -e $dev/virtfn0 ]]" 30
wait_for "daemon_log_has 'no driver is bound' DEVICE=$pf" 30
log "unbound: VFs gone, the daemon waits for the driver"

cursor=$(journalctl -b -u sriov-manager -n 0 --show-cursor -o cat | sed -n 's/^-- cursor: //p')
run sh -c "echo $pf > /sys/bus/pci/drivers/igb/bind"
wait_for "[[ -e $dev/virtfn2 ]]" 60
assert_file_eq "$dev/sriov_numvfs" 3
for i in 0 1 2; do
    vf=$(basename "$(readlink "$dev/virtfn$i")")
    wait_for "[[ \$(pci_driver $vf) == igbvf ]]" 30
done

# Latency: first udev event after the bind -> the daemon starts its write.
# The first line after the cursor that matches, read to the end (no SIGPIPE).
mono() {
    journalctl -b -u sriov-manager --after-cursor="$cursor" -o json |
        awk -v re="$1" '!found && $0 ~ re { found = 1; print }' |
        sed -n 's/.*"__MONOTONIC_TIMESTAMP":"\([0-9]*\)".*/\1/p'
}
first=$(mono '"MESSAGE":"udev ')
write=$(mono 'writing sriov_numvfs')
[[ -n $first && -n $write ]] || fail "no udev or write line after the bind"
log "bind event -> first write: $(((write - first) / 1000)) ms under TCG (journald receive times)"
run journalctl -b -u sriov-manager -o cat --after-cursor="$cursor" --grep 'reconciling|writing|set sriov'
