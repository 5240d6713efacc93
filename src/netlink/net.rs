//! [`Net`]: the netlink operations that apply performs, behind one trait so that
//! tests swap in [`super::fault::FakeNet`] and fail any call with any errno.
//!
//! [`Kernel`] is the real implementation. It opens its devlink and rtnetlink
//! sockets on first use, so a host that never asks for switchdev, bonds or VF
//! settings never opens them.

use async_trait::async_trait;
use tokio::sync::OnceCell;

use super::devlink::{DevlinkError, DevlinkHandle, EswitchMode};
use super::errno::{EINVAL, ENODEV, ENOTSUPP, EOPNOTSUPP};
use super::link::{Link, LinkError, LinkHandle, VfChange, VfState};

/// Why a netlink call failed.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error(transparent)]
    Devlink(#[from] DevlinkError),
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The kernel answered with an errno (used by fault injection and fakes).
    #[error("{message}")]
    Errno { errno: i32, message: String },
    /// No netlink here: the CLI was pointed at a sysfs tree that is not the
    /// running kernel's, so the kernel must not be asked about its devices.
    #[error("netlink is not used with a sysfs root other than /sys")]
    Offline,
}

impl NetError {
    /// The kernel's positive errno, when it refused the request.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NetError::Devlink(e) => e.errno(),
            NetError::Link(e) => e.errno(),
            NetError::Errno { errno, .. } => Some(*errno),
            NetError::Offline => None,
        }
    }

    /// The device has no devlink eswitch (or the kernel no devlink at all).
    pub fn is_not_supported(&self) -> bool {
        match self {
            NetError::Devlink(e) => e.is_not_supported(),
            // As DevlinkError counts them.
            NetError::Errno { errno, .. } => {
                matches!(*errno, ENODEV | EINVAL | EOPNOTSUPP | ENOTSUPP)
            }
            NetError::Link(_) => false,
            NetError::Offline => true,
        }
    }
}

/// The netlink operations sriov-manager performs. Devices are named by bus and
/// address (devlink's handle), interfaces by name.
#[async_trait]
pub trait Net: Send + Sync + 'static {
    /// `devlink dev eswitch show BUS/ADDRESS`
    async fn eswitch_mode(&self, bus: &str, address: &str) -> Result<EswitchMode, NetError>;

    /// `devlink dev eswitch set BUS/ADDRESS mode MODE`
    async fn set_eswitch_mode(
        &self,
        bus: &str,
        address: &str,
        mode: EswitchMode,
    ) -> Result<(), NetError>;

    /// `ip link show dev NAME`; `None` when there is no such interface.
    async fn link(&self, name: &str) -> Result<Option<Link>, NetError>;

    /// The VF table of a PF interface (`ip link show dev PF`).
    async fn vfs(&self, pf: &str) -> Result<Vec<VfState>, NetError>;

    /// `ip link set dev PF vf N ...`
    async fn set_vf(&self, pf: &str, vf: u32, change: &VfChange) -> Result<(), NetError>;

    /// `ip link add NAME type bond mode MODE miimon MS`
    async fn add_bond(&self, name: &str, mode: u8, miimon: u32) -> Result<(), NetError>;

    /// `ip link set dev NAME type bond miimon MS`
    async fn set_bond_miimon(&self, name: &str, miimon: u32) -> Result<(), NetError>;

    /// `ip link set dev NAME type bond mode MODE` (down, without slaves only)
    async fn set_bond_mode(&self, name: &str, mode: u8) -> Result<(), NetError>;

    /// `ip link set dev SLAVE down; ip link set dev SLAVE master BOND`
    async fn enslave(&self, slave: &str, bond: &str) -> Result<(), NetError>;

    /// `ip link set dev NAME up`
    async fn set_up(&self, name: &str) -> Result<(), NetError>;
}

/// The running kernel.
#[derive(Default)]
pub struct Kernel {
    devlink: OnceCell<DevlinkHandle>,
    link: OnceCell<LinkHandle>,
}

impl Kernel {
    pub fn new() -> Self {
        Kernel::default()
    }

    async fn devlink(&self) -> Result<&DevlinkHandle, NetError> {
        Ok(self.devlink.get_or_try_init(DevlinkHandle::connect).await?)
    }

    async fn rtnl(&self) -> Result<&LinkHandle, NetError> {
        Ok(self.link.get_or_try_init(LinkHandle::connect).await?)
    }
}

#[async_trait]
impl Net for Kernel {
    async fn eswitch_mode(&self, bus: &str, address: &str) -> Result<EswitchMode, NetError> {
        let info = self.devlink().await?.eswitch().get(bus, address).execute().await?;
        Ok(info.mode)
    }

    async fn set_eswitch_mode(
        &self,
        bus: &str,
        address: &str,
        mode: EswitchMode,
    ) -> Result<(), NetError> {
        let set = self.devlink().await?.eswitch().set(bus, address).mode(mode);
        Ok(set.execute().await?)
    }

    async fn link(&self, name: &str) -> Result<Option<Link>, NetError> {
        Ok(self.rtnl().await?.get(name).await?)
    }

    async fn vfs(&self, pf: &str) -> Result<Vec<VfState>, NetError> {
        Ok(self.rtnl().await?.vfs(pf).await?)
    }

    async fn set_vf(&self, pf: &str, vf: u32, change: &VfChange) -> Result<(), NetError> {
        Ok(self.rtnl().await?.set_vf(pf, vf, change).await?)
    }

    async fn add_bond(&self, name: &str, mode: u8, miimon: u32) -> Result<(), NetError> {
        Ok(self.rtnl().await?.add_bond(name, mode, miimon).await?)
    }

    async fn set_bond_miimon(&self, name: &str, miimon: u32) -> Result<(), NetError> {
        Ok(self.rtnl().await?.set_bond_miimon(name, miimon).await?)
    }

    async fn set_bond_mode(&self, name: &str, mode: u8) -> Result<(), NetError> {
        Ok(self.rtnl().await?.set_bond_mode(name, mode).await?)
    }

    async fn enslave(&self, slave: &str, bond: &str) -> Result<(), NetError> {
        Ok(self.rtnl().await?.enslave(slave, bond).await?)
    }

    async fn set_up(&self, name: &str) -> Result<(), NetError> {
        Ok(self.rtnl().await?.set_up(name).await?)
    }
}

/// For a sysfs tree that is not the running kernel's: every call answers
/// [`NetError::Offline`], so nothing is asked of the real kernel about
/// devices that only exist in a test fixture.
pub struct Offline;

#[async_trait]
impl Net for Offline {
    async fn eswitch_mode(&self, _: &str, _: &str) -> Result<EswitchMode, NetError> {
        Err(NetError::Offline)
    }
    async fn set_eswitch_mode(&self, _: &str, _: &str, _: EswitchMode) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn link(&self, _: &str) -> Result<Option<Link>, NetError> {
        Err(NetError::Offline)
    }
    async fn vfs(&self, _: &str) -> Result<Vec<VfState>, NetError> {
        Err(NetError::Offline)
    }
    async fn set_vf(&self, _: &str, _: u32, _: &VfChange) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn add_bond(&self, _: &str, _: u8, _: u32) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn set_bond_miimon(&self, _: &str, _: u32) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn set_bond_mode(&self, _: &str, _: u8) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn enslave(&self, _: &str, _: &str) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn set_up(&self, _: &str) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
}
