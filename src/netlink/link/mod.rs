//! rtnetlink link requests: looking up interfaces, bonds, and the per-VF settings of a PF.
//!
//! A thin layer over rtnetlink and netlink-packet-route. Each request is a pure function
//! that builds the [`LinkMessage`](netlink_packet_route::link::LinkMessage) and an async
//! method on [`LinkHandle`] that sends it, so the bytes can be checked without a kernel.
//! The module takes plain types (kernel bond mode numbers, `[u8; 6]` MACs) and depends on
//! nothing else in the crate.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sriov_manager::netlink::link::LinkError> {
//! use sriov_manager::netlink::link::{LinkHandle, VfChange};
//!
//! let link = LinkHandle::connect().await?;
//! let mac = [0x02, 0, 0, 0, 0, 0x01];
//! let vf0 = link.vfs("enp1s0f0").await?.into_iter().find(|vf| vf.vf == 0);
//! if vf0.is_some_and(|vf| vf.mac != mac) {
//!     let change = VfChange { mac: Some(mac), ..VfChange::default() };
//!     link.set_vf("enp1s0f0", 0, &change).await?;
//! }
//! # Ok(())
//! # }
//! ```

mod bond;
mod error;
mod get;
mod handle;
mod set;
#[cfg(test)]
mod tests;
mod vf;

pub use error::LinkError;
pub use get::{BondState, Link};
pub use handle::LinkHandle;
pub use vf::{VfChange, VfState};
