# The daemon's own VF creation makes hundreds of udev events; they coalesce
# into a few no-op reconciles, and then the daemon goes quiet: no more
# reconciles, no CPU time.
#@ group: daemon
#@ config: igb3.json
#@ daemon: yes
#@ timeout: 60

reconciles() { journalctl -b -u sriov-manager -o cat | grep -c ': reconciling .* events' || true; }
pid=$(systemctl show -P MainPID sriov-manager)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

sleep 2
before=$(reconciles)
cpu_before=$(cpu)
sleep 5
assert_eq "$(reconciles)" "$before" "reconciles during 5 s of quiet"
assert_eq "$(cpu)" "$cpu_before" "CPU ticks used during 5 s of quiet"

events=$(journalctl -b -u sriov-manager -o cat | grep -c '^udev ' || true)
log "after boot: $events udev events mapped or ignored, $before reconciles, then none"
[[ $before -le 10 ]] || fail "$before reconciles for 2 PFs after $events events: not coalesced"
run journalctl -b -u sriov-manager -o cat --grep 'reconciling'
