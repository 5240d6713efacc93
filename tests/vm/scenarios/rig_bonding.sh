# The bonding driver loads and builds an active-backup bond with MII
# monitoring over two links.
#@ group: rig
#@ iommu: yes
#@ timeout: 60

run ip link add rigd0 type dummy
run ip link add rigd1 type dummy
run ip link add rigbond0 type bond mode active-backup miimon 100
run ip link set rigd0 master rigbond0
run ip link set rigd1 master rigbond0
run ip link set rigbond0 up

b=/sys/class/net/rigbond0/bonding
assert_eq "$(<$b/mode)" "active-backup 1" "bond mode"
assert_eq "$(<$b/miimon)" 100 "bond miimon"
assert_eq "$(<$b/slaves)" "rigd0 rigd1" "bond slaves"
wait_for "[[ -n \$(<$b/active_slave) ]]" 10
log "active slave: $(<$b/active_slave)"

run ip link del rigbond0
run ip link del rigd0
run ip link del rigd1
