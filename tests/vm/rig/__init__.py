"""Host side of the sriov-manager VM rig (Python standard library only)."""
