# The release binary runs in a stock Debian 12 guest, libudev included, and
# its discovery finds the guest's NICs without error.
#@ group: rig
#@ iommu: yes
#@ timeout: 60

command -v sriov-manager >/dev/null || fail "sriov-manager is not installed in the guest"
run sriov-manager --version
run sriov-manager --discover
