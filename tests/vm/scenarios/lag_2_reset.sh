# A PF reset (driver unbind and bind) takes the PF out of its bond and loses
# its VFs and their settings; the daemon restores all three.
#@ group: lag
#@ config: igb_lag.json
#@ daemon: yes
#@ timeout: 150

pf=0000:01:00.0
dev=/sys/bus/pci/devices/$pf
run sh -c "echo $pf > /sys/bus/pci/drivers/igb/unbind"
wait_for "[[ \$(bond_slaves bond0) == enp2s0 ]]" 30
wait_for "[[ ! -e $dev/virtfn0 ]]" 30
log "unbound: enp1s0 left bond0 and its VFs are gone"

run sh -c "echo $pf > /sys/bus/pci/drivers/igb/bind"
wait_for "[[ -e $dev/virtfn1 ]]" 60
wait_for "[[ \$(bond_slaves bond0) == 'enp1s0 enp2s0' ]]" 60
wait_for "[[ \$(vf_line enp1s0 0) == *'02:00:00:00:01:00'*'vlan 100'* ]]" 60
vf0=$(vf_line enp1s0 0)
for want in "qos 2" "spoof checking off" "trust on"; do
    [[ $vf0 == *"$want"* ]] || fail "enp1s0 vf 0 after the reset: no '$want' in: $vf0"
done
[[ $(vf_line enp1s0 1) == *"spoof checking off"* ]] || fail "enp1s0 vf 1 after the reset"
wait_for "status_is '2 devices and 1 bond configured, 0 failed, 1 waiting'" 30
run journalctl -b -u sriov-manager -o cat DEVICE=bond0
