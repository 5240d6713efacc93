//! The kernel's netlink families that sriov-manager speaks natively.

pub mod devlink;
pub mod errno;
mod extack;
pub mod fault;
pub mod link;
pub mod net;

pub use net::{Kernel, Net, NetError, Offline};
