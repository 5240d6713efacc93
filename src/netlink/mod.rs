//! The kernel's netlink families that sriov-manager speaks natively.

pub mod devlink;
