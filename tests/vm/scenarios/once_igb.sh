# On a real kernel, without the daemon: --once creates VFs on one PF while the
# other fails (8 > sriov_totalvfs 7), exit 1; changing 2 -> 5 goes through 0,
# which the kernel requires (a direct write answers EBUSY).
#@ group: once
#@ netdevsim: 10 2
#@ config: netdevsim.json
#@ timeout: 120

cfg=/run/rig/igb-once.json
mkdir -p /run/rig
cat >"$cfg" <<'JSON'
{"version": "1.0", "device_policies": [
  {"pci_addresses": ["0000:01:00.0"], "num_vfs": 5, "description": "first 82576"},
  {"pci_addresses": ["0000:02:00.0"], "num_vfs": 8, "description": "too many for an 82576"}]}
JSON
pf=/sys/bus/pci/devices/0000:01:00.0

# The kernel itself refuses N -> M: the reason the plan goes through 0.
echo 2 >"$pf/sriov_numvfs"
if (echo 5 >"$pf/sriov_numvfs") 2>/dev/null; then fail "the kernel accepted 2 -> 5 directly"; fi

plan=$(sriov-manager --dry-run --config "$cfg" || true)
log "$plan"
grep -q '^0000:01:00.0: set sriov_numvfs 2 -> 0' <<<"$plan" || fail "no 2 -> 0 step"
grep -q '^0000:01:00.0: set sriov_numvfs 0 -> 5' <<<"$plan" || fail "no 0 -> 5 step"
grep -q '^error: 0000:02:00.0: set sriov_numvfs to 8: device supports at most 7 VFs' <<<"$plan" ||
    fail "no error for the second PF"

rc=0
out=$(sriov-manager --once --config "$cfg" 2>&1) || rc=$?
log "$out"
assert_eq "$rc" 1 "--once exit status with one failing device"
assert_file_eq "$pf/sriov_numvfs" 5
assert_exists "$pf/virtfn4"
assert_file_eq /sys/bus/pci/devices/0000:02:00.0/sriov_numvfs 0

echo 0 >"$pf/sriov_numvfs"
