# The daemon's own VF creation makes a burst of udev events; they coalesce
# into a few no-op reconciles, and then the daemon goes quiet: no reconciles,
# and (once tokio's idle blocking threads have exited) no CPU time.
#@ group: daemon
#@ config: igb3.json
#@ daemon: yes
#@ timeout: 90

reconciles() { journalctl -b -u sriov-manager -o cat | grep -c ': reconciling .* events' || true; }
pid=$(systemctl show -P MainPID sriov-manager)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

# The echo of the boot-time writes settles within seconds; tokio keeps idle
# blocking threads for 10 s. Start measuring after both.
sleep 12
before=$(reconciles)
cpu_before=$(cpu)
sleep 10
assert_eq "$(reconciles)" "$before" "reconciles during 10 s of quiet"
used=$(($(cpu) - cpu_before))
log "idle: $used CPU ticks (10 ms each) in 10 s; $before reconciles after boot, then none"
# One watchdog ping fell in the window (WatchdogSec=30s pings every 15 s); a
# polling loop would cost hundreds of ticks under TCG.
[[ $used -le 1 ]] || fail "$used CPU ticks in 10 s of idle: something polls"

events=$(journalctl -b -u sriov-manager -o cat | grep -c '^udev ' || true)
log "after boot: $events udev events, coalesced into $before reconciles"
[[ $before -le 4 ]] || fail "$before reconciles for 2 PFs after $events events: not coalesced"
