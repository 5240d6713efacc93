# scripts/install.sh on a live systemd host: uninstall keeps the config,
# --now installs, enables and starts, a second run changes nothing, and the
# guest is left as the overlay made it.
#@ group: rig
#@ iommu: yes
#@ timeout: 180

install=/opt/rig/repo/scripts/install.sh
unit=sriov-manager.service
[[ -x $install ]] || fail "$install: not in the overlay"
command -v sriov-manager >/dev/null || fail "sriov-manager is not installed in the guest"
cp "$(command -v sriov-manager)" /tmp/sriov-manager

run "$install" --uninstall
assert_not_exists /usr/local/bin/sriov-manager
assert_not_exists /etc/systemd/system/$unit
assert_exists /etc/sriov-manager/config.json

run "$install" --binary /tmp/sriov-manager --now
assert_eq "$(systemctl is-enabled $unit)" enabled "$unit enabled"
assert_eq "$(systemctl is-active $unit)" active "$unit state"

out=$("$install" --binary /tmp/sriov-manager)
log "$out"
grep -q "unchanged /usr/local/bin/sriov-manager" <<<"$out" || fail "a re-run rewrote the binary"
assert_eq "$(systemctl is-enabled $unit)" enabled "$unit enabled after a re-run"

run "$install" --uninstall
assert_not_exists /usr/local/bin/sriov-manager
[[ $(systemctl is-active $unit) != active ]] || fail "$unit still active after --uninstall"

# Back to what the overlay installed: binary and unit, not enabled. DESTDIR=/
# skips systemctl, which takes seconds a call under emulation.
DESTDIR=/ run "$install" --binary /tmp/sriov-manager
