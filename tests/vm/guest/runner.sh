#!/bin/bash
# Runs this boot's scenarios (listed in /opt/rig/plan) and reports each on the
# control serial port, /dev/ttyS1, which the host driver reads. The console,
# ttyS0, stays a plain log: kernel messages there could split our lines.
set -uo pipefail

RIG_DIR=/opt/rig
ctl=/dev/ttyS1

# systemd starts us as a session leader, and a session leader that opens a tty
# makes it its controlling terminal. Scenarios then run in timeout's own
# process group, and reading that terminal would stop them with SIGTTIN. A
# child is no session leader, so the port stays a plain file descriptor.
if [[ -z ${RIG_CHILD:-} ]]; then
    RIG_CHILD=1 "$0" "$@" &
    wait $!
    exit $?
fi

# Raw, no echo: the host's answers must not come back to it, and no \r is added.
stty -F "$ctl" raw -echo 115200 || exit 1
exec 3<>"$ctl"

emit() { printf '@@RIG %s\n' "$*" >&3; }

emit READY "$(cut -d' ' -f1 /proc/uptime)"

setup_error=
if ! systemctl is-active --quiet rig-setup.service; then
    setup_error="guest setup failed: $(journalctl -b -u rig-setup.service -o cat | tail -n1)"
fi

failed=0
mkdir -p /run/rig
while read -r name timeout; do
    emit BEGIN "$name"
    if [[ -n $setup_error ]]; then
        emit FAIL "$name" "$setup_error"
        failed=1
        continue
    fi

    reason=/run/rig/reason.$name
    rm -f "$reason"
    RIG_REASON=$reason RIG_CTL_FD=3 timeout --kill-after=5 "$timeout" \
        bash -c '. /opt/rig/lib.sh; rig_arm; . "/opt/rig/scenarios/$1.sh"' "$name" "$name" \
        </dev/null >&3 2>&1
    rc=$?

    if [[ $rc -eq 0 ]]; then
        emit PASS "$name"
        continue
    fi
    failed=1
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
        emit FAIL "$name" "timed out after ${timeout}s (guest side)"
    elif [[ -s $reason ]]; then
        emit FAIL "$name" "$(head -n1 "$reason")"
    else
        emit FAIL "$name" "exited $rc"
    fi
done <"$RIG_DIR/plan"

# What the failing scenarios left in the journal is the first thing one reads.
if [[ $failed -ne 0 ]]; then
    emit LOG-BEGIN journal
    journalctl -b --no-pager -o short-monotonic | tail -n 150 >&3
    emit LOG-END journal
fi

emit DONE
# Nothing to sync: the root file system lives in RAM.
systemctl poweroff --force --force
