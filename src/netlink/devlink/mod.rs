//! devlink over generic netlink, natively: the device list, the eswitch mode and the ports.
//!
//! The module has the shape of rust-netlink's generic-netlink crates. [`DevlinkMessage`]
//! carries a [`DevlinkCmd`] and a flat list of [`DevlinkAttr`]; genetlink resolves the
//! family name `devlink` to its id. Requests are builders whose setters take `self`, and
//! their `execute()` alone chooses the netlink flags; a get without a device handle is a
//! dump.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sriov_manager::netlink::devlink::DevlinkError> {
//! use sriov_manager::netlink::devlink::{DevlinkHandle, EswitchMode};
//!
//! let devlink = DevlinkHandle::connect().await?;
//! let info = devlink.eswitch().get("pci", "0000:3b:00.0").execute().await?;
//! if info.mode != EswitchMode::Switchdev {
//!     let set = devlink.eswitch().set("pci", "0000:3b:00.0");
//!     set.mode(EswitchMode::Switchdev).execute().await?;
//! }
//! # Ok(())
//! # }
//! ```

mod attr;
#[cfg(test)]
mod captures;
mod dev;
mod error;
mod eswitch;
mod handle;
mod message;
mod port;

pub use attr::DevlinkAttr;
pub use dev::{DevGetRequest, DevlinkDevice};
pub use error::DevlinkError;
pub use eswitch::{EswitchGetRequest, EswitchHandle, EswitchInfo, EswitchMode, EswitchSetRequest};
pub use handle::DevlinkHandle;
pub use message::{DevlinkCmd, DevlinkMessage};
pub use port::{DevlinkPort, PortFlavour, PortGetRequest};
