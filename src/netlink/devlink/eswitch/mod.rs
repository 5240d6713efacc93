//! The eswitch of a devlink device: `devlink dev eswitch show|set`.

mod get;
mod handle;
mod set;

use std::fmt;

pub use get::EswitchGetRequest;
pub use handle::EswitchHandle;
pub use set::EswitchSetRequest;

// Values of enum devlink_eswitch_mode in include/uapi/linux/devlink.h.
const DEVLINK_ESWITCH_MODE_LEGACY: u16 = 0;
const DEVLINK_ESWITCH_MODE_SWITCHDEV: u16 = 1;

/// How the NIC's embedded switch forwards traffic between the uplink, the PF and its VFs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EswitchMode {
    /// The NIC switches on its own by MAC/VLAN; VFs have no representors.
    Legacy,
    /// Each VF gets a representor netdev and forwarding is programmed from the host.
    Switchdev,
}

impl EswitchMode {
    fn to_kernel(self) -> u16 {
        match self {
            Self::Legacy => DEVLINK_ESWITCH_MODE_LEGACY,
            Self::Switchdev => DEVLINK_ESWITCH_MODE_SWITCHDEV,
        }
    }

    fn from_kernel(mode: u16) -> Option<Self> {
        match mode {
            DEVLINK_ESWITCH_MODE_LEGACY => Some(Self::Legacy),
            DEVLINK_ESWITCH_MODE_SWITCHDEV => Some(Self::Switchdev),
            _ => None,
        }
    }
}

impl fmt::Display for EswitchMode {
    /// The words iproute2 uses: `legacy`, `switchdev`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Legacy => "legacy",
            Self::Switchdev => "switchdev",
        })
    }
}

/// A device's eswitch settings, as the kernel reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EswitchInfo {
    /// The current mode.
    pub mode: EswitchMode,
    /// `enum devlink_eswitch_inline_mode`, if the driver reports one.
    pub inline_mode: Option<u8>,
    /// `enum devlink_eswitch_encap_mode`, if the driver reports one.
    pub encap_mode: Option<u8>,
}
