#!/bin/bash
# Brings the guest to the state the scenarios of this boot declared, before
# sriov-manager.service (when enabled) or any scenario starts: NIC drivers
# loaded, every igb PF with its interface, declared netdevsim devices created.
set -euo pipefail

# shellcheck source=/dev/null
. /opt/rig/boot.env

# Coldplug alone has been seen to leave igb unloaded: load what we rely on.
modprobe -a igb igbvf

want=$RIG_NICS
deadline=$((SECONDS + 60))
while :; do
    have=0
    for d in /sys/bus/pci/devices/*; do
        [[ $(<"$d/vendor"):$(<"$d/device") == 0x8086:0x10c9 && -d $d/net ]] &&
            have=$((have + 1))
    done
    [[ $have -ge $want ]] && break
    if [[ $SECONDS -ge $deadline ]]; then
        echo "igb: $have of $want PFs have a net interface after 60s" >&2
        exit 1
    fi
    sleep 0.5
done

if [[ -n ${RIG_NETDEVSIM:-} ]]; then
    modprobe netdevsim
    # "ID PORTS[, ID PORTS...]": each as /sys/bus/netdevsim/new_device takes it.
    IFS=, read -ra nsims <<<"$RIG_NETDEVSIM"
    for nsim in "${nsims[@]}"; do
        read -r id ports <<<"$nsim"
        echo "$id $ports" >/sys/bus/netdevsim/new_device || {
            echo "netdevsim: new_device '$id $ports' failed" >&2
            exit 1
        }
    done
fi

# Let udev finish renaming before anyone looks up interfaces by name.
udevadm settle --timeout=60
echo "rig setup done: $have igb PFs${RIG_NETDEVSIM:+, netdevsim $RIG_NETDEVSIM}"
