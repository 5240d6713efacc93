# shellcheck shell=bash
# Guest-side helpers for scenarios. The runner sources this, then the scenario,
# in a fresh bash per scenario. Runs inside the VM as root.
#
# A scenario passes when it reaches its end; it fails on `fail`, on a failed
# assertion, or on any command that exits non-zero (errexit), and the reason
# names the line and the command.

RIG_DIR=/opt/rig
RIG_CTL_FD=${RIG_CTL_FD:-3}
RIG_REASON=${RIG_REASON:-/run/rig/reason}
RIG_REQ_TIMEOUT=${RIG_REQ_TIMEOUT:-120}

# Scenario output goes to a serial port, which is a tty: without these,
# journalctl and systemctl would add colour codes and start a pager.
export SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat

# shellcheck source=/dev/null
[[ -f $RIG_DIR/boot.env ]] && . "$RIG_DIR/boot.env"

# Keeps the first reason: an inner failure explains better than the caller's.
_rig_reason() { [[ -s $RIG_REASON ]] || printf '%s\n' "$*" >"$RIG_REASON"; }

_rig_on_err() {
    local rc=$? line=$1 cmd=$2
    _rig_reason "line $line: '$cmd' exited $rc"
}

# rig_arm: errexit and the ERR trap that records why. The runner calls it,
# then sources the scenario at top level (sourcing it from inside a function
# makes bash 5.2 print pop_var_context errors when errexit fires).
rig_arm() {
    set -eEuo pipefail
    trap '_rig_on_err "$LINENO" "$BASH_COMMAND"' ERR
}

log() { printf '%s\n' "$*"; }

fail() {
    _rig_reason "$*"
    printf 'fail: %s\n' "$*"
    exit 1
}

# run CMD...: prints the command and its output, so the log shows what was done.
run() {
    printf '+ %s\n' "$*"
    "$@"
}

assert_eq() {
    local actual=$1 expected=$2 what=${3:-value}
    [[ $actual == "$expected" ]] || fail "$what: expected '$expected', got '$actual'"
}

# assert_file_eq PATH EXPECTED: for sysfs attributes.
assert_file_eq() {
    [[ -e $1 ]] || fail "$1: does not exist"
    assert_eq "$(cat "$1")" "$2" "$1"
}

assert_exists() { [[ -e $1 ]] || fail "$1: does not exist"; }
assert_not_exists() { [[ ! -e $1 ]] || fail "$1: still exists"; }

# wait_for COND TIMEOUT: COND is shell code, polled every 0.2 s.
wait_for() {
    local cond=$1 timeout=$2 end
    end=$(($(date +%s%N) + timeout * 1000000000))
    until eval "$cond"; do
        (($(date +%s%N) < end)) || fail "timed out after ${timeout}s waiting for: $cond"
        sleep 0.2
    done
}

# host VERB ARGS...: asks the host driver to act (see README, host requests),
# and waits for its answer. Fails the scenario if the host reports an error.
_rig_req_id=0
host() {
    local id answer
    _rig_req_id=$((_rig_req_id + 1))
    id=$$.$_rig_req_id
    printf '@@RIG REQ %s %s\n' "$id" "$*" >&"$RIG_CTL_FD"
    while read -r -t "$RIG_REQ_TIMEOUT" answer <&"$RIG_CTL_FD"; do
        answer=${answer%$'\r'}
        [[ $answer == "@@RIG ACK $id "* ]] || continue
        answer=${answer#"@@RIG ACK $id "}
        [[ $answer == ok* ]] && return 0
        fail "host $*: ${answer#error }"
    done
    fail "host $*: no answer within ${RIG_REQ_TIMEOUT}s"
}

hotplug() { host hotplug "$@"; }
unplug() { host unplug "$@"; }

# pci_devices VENDOR:DEVICE: PCI addresses of matching functions, one a line.
pci_devices() {
    local want=$1 d
    for d in /sys/bus/pci/devices/*; do
        [[ "$(<"$d/vendor"):$(<"$d/device")" == "0x${want%%:*}:0x${want#*:}" ]] &&
            basename "$d"
    done
    return 0
}

igb_pfs() { pci_devices 8086:10c9; }
igb_vfs() { pci_devices 8086:10ca; }

# pci_driver BDF: name of the bound driver, or nothing.
pci_driver() {
    local l=/sys/bus/pci/devices/$1/driver
    [[ -e $l ]] && basename "$(readlink "$l")"
    return 0
}

# pci_netdev BDF: the net interface(s) of a PCI function.
pci_netdev() {
    local d=/sys/bus/pci/devices/$1/net
    [[ -d $d ]] && ls "$d"
    return 0
}

settle() { udevadm settle --timeout=30; }

daemon_journal() { journalctl -b -u sriov-manager --no-pager -o cat; }

# daemon_log_has REGEX [JOURNALCTL-MATCH...]: a line of this boot's
# sriov-manager journal matches REGEX (grep -E). grep reads to the end, so
# journalctl never dies of SIGPIPE, which pipefail would count as a failure.
daemon_log_has() {
    local regex=$1 n
    shift
    n=$(journalctl -b -u sriov-manager --no-pager -o cat "$@" | grep -cE -- "$regex" || true)
    [[ $n -gt 0 ]]
}

# daemon_log_line REGEX [JOURNALCTL-MATCH...]: the number of the first line of
# this boot's sriov-manager journal that matches, or nothing. awk reads to the
# end, so journalctl never dies of SIGPIPE.
daemon_log_line() {
    local regex=$1
    shift
    journalctl -b -u sriov-manager --no-pager -o cat "$@" |
        awk -v re="$regex" '!n && $0 ~ re { n = NR } END { if (n) print n }'
}

# daemon_actions ACTION: how many journal lines of this boot carry ACTION=ACTION.
daemon_actions() {
    journalctl -b -u sriov-manager --no-pager -o cat ACTION="$1" | wc -l
}

# vf_line IFNAME N: the `vf N` line of `ip link show IFNAME`.
vf_line() {
    ip link show "$1" | awk -v n="$2" '$1 == "vf" && $2 == n'
}

# bond_slaves BOND: its slaves, sorted, on one line.
bond_slaves() {
    tr ' ' '\n' <"/sys/class/net/$1/bonding/slaves" | sed '/^$/d' | sort | paste -sd' '
}

# is_up IFNAME: IFF_UP is set.
is_up() { (($(<"/sys/class/net/$1/flags") & 1)); }

# status_is TEXT: the unit's STATUS= is exactly TEXT.
status_is() { [[ "$(systemctl show -P StatusText sriov-manager)" == "$1" ]]; }
