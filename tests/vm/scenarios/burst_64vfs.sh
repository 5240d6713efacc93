# Coalescing, measured on a real burst: 64 VFs in switchdev mode give 64
# representor netdevs, each an `add` and udev's rename `move`, all mapped to
# their netdevsim device. Phase 1 is the daemon's own apply at start (the echo
# of its writes); phase 2 a reset done by hand (sriov_numvfs 0 removes every
# representor and puts the eswitch back in legacy), which the daemon undoes.
# Prints the udev events and reconciles of each phase. Each phase makes exactly
# one change of each kind. The echo of the daemon's own writes is one reconcile
# (it waits for udev's queue to empty); a reset adds the one that repairs it.
# Measured: 128 events -> 1 reconcile, 192 -> 2 (six runs each); the limits
# allow one more for emulation's hiccups. Before the echo followed udev's
# queue, 128 -> 1 to 5 and 192 -> 3 to 10.
#@ group: burst
#@ nics: 0
#@ netdevsim: 20 1
#@ config: nsim64.json
#@ timeout: 240

dev=netdevsim/netdevsim20
sys=/sys/bus/netdevsim/devices/netdevsim20
# netdevsim allows 4 VFs unless told more (debugfs; no VFs may exist then).
run sh -c 'echo 64 > /sys/kernel/debug/netdevsim/netdevsim20/max_vfs'

# The journal's lines since line N of this boot's daemon journal (a cursor
# would do, but there is none before the daemon's first line).
lines() { daemon_journal | wc -l; }
journal_since() { daemon_journal | tail -n "+$(($1 + 1))"; }
count() { grep -cE -- "$2" <<<"$1" || true; }
reps() { devlink port show | awk -v d="$dev/" 'index($1, d) == 1 && /flavour pcivf/' | wc -l; }

# quiet: the daemon's journal has not grown for 5 s (the echo settles within
# 300 ms per round; udev renames trail the kernel's adds by up to seconds).
quiet() {
    local before after
    before=$(lines)
    while sleep 5; after=$(lines); [[ $after != "$before" ]]; do
        before=$after
    done
}

# phase NAME N MAX: prints and checks what the daemon did since journal line
# N, in at most MAX reconciles.
phase() {
    local name=$1 max=$3 j events recs
    j=$(journal_since "$2")
    events=$(count "$j" '^udev ')
    recs=$(count "$j" ': reconciling [0-9]+ events')
    log "$name: $events udev events -> $recs reconciles"
    assert_eq "$(count "$j" "^$dev: set sriov_numvfs 0 -> 64\$")" 1 "$name: VF-count changes"
    assert_eq "$(count "$j" "^$dev: set eswitch mode legacy -> switchdev\$")" 1 \
        "$name: eswitch mode changes"
    [[ $events -ge 128 ]] || fail "$name: only $events udev events; the burst was not seen"
    [[ $recs -le $max ]] || fail "$name: $recs reconciles for $events events: not coalesced"
}

start=$(lines)
run systemctl start sriov-manager
assert_file_eq $sys/sriov_numvfs 64
assert_eq "$(reps)" 64 "representor ports after start"
quiet
phase "start (the daemon's own writes)" "$start" 2

# The echo waits on udev's queue file; the hardened unit must still see /run/udev.
pid=$(systemctl show -P MainPID sriov-manager)
nsenter --mount --target "$pid" test -d /run/udev/data ||
    fail "/run/udev is hidden from the daemon's mount namespace"

reset=$(lines)
run sh -c "echo 0 > $sys/sriov_numvfs"
wait_for "[[ \$(cat $sys/sriov_numvfs) == 64 && \$(reps) == 64 ]]" 120
quiet
phase "reset by hand, then restored" "$reset" 3
[[ $(devlink dev eswitch show $dev) == *"mode switchdev"* ]] || fail "$dev: not in switchdev"
assert_eq "$(systemctl show -P StatusText sriov-manager)" "1 devices configured, 0 failed" STATUS
