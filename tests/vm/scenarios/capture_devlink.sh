# Captures real devlink traffic with netdevsim, for the codec's byte-exact
# tests (src/netlink/devlink): strace prints, in hex, the generic netlink
# payload (after the 16-byte nlmsghdr) of every message sriov-manager and
# iproute2's devlink send to and receive from the kernel. Run by hand when
# the fixtures need renewing: tests/vm/run capture_devlink
#@ group: capture
#@ netdevsim: 10 2
#@ explicit: yes
#@ show: yes
#@ timeout: 120

trace() { strace -f -qq -xx -s 4096 -e trace=sendto,recvfrom,sendmsg,recvmsg "$@" >/dev/null; }
echo 2 >/sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs

log "== eswitch get (sriov-manager --discover), legacy"
trace sriov-manager --discover

run devlink dev eswitch set netdevsim/netdevsim10 mode switchdev
log "== eswitch get (sriov-manager --discover), switchdev"
trace sriov-manager --discover

log "== port dump (devlink port show), switchdev with 2 VFs"
trace devlink port show

run devlink dev eswitch set netdevsim/netdevsim10 mode legacy
echo 0 >/sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs
