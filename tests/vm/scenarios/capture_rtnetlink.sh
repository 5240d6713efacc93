# Captures real rtnetlink traffic with igb, for the link module's byte-exact
# tests (src/netlink/link/captures/): strace dumps in hex every message that
# sriov-manager sends to and receives from the kernel while `--once` sets VF
# 0 of enp1s0 (MAC, VLAN 100 QoS 2, spoofchk off, trust on) and builds
# capbond0 over enp2s0, then while a second `--once` finds it all in place.
# Run by hand when the fixtures need renewing: tests/vm/run capture_rtnetlink
#@ group: capture_rtnetlink
#@ config: capture.json
#@ explicit: yes
#@ show: yes
#@ timeout: 120

trace() {
    strace -f -qq -e trace=sendmsg,recvmsg,sendto,recvfrom -e read=all -e write=all "$@" \
        2>&1 >/dev/null
}
log "== first --once: VFs, VF 0 settings, capbond0 over enp2s0"
trace sriov-manager --once
log "== second --once: everything in place"
trace sriov-manager --once
run ip link show enp1s0
run ip -d link show capbond0
