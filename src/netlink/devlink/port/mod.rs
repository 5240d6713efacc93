//! devlink ports: `devlink port show`.

mod get;

use std::fmt;

pub use get::PortGetRequest;

// Values of enum devlink_port_flavour in include/uapi/linux/devlink.h.
const DEVLINK_PORT_FLAVOUR_PHYSICAL: u16 = 0;
const DEVLINK_PORT_FLAVOUR_CPU: u16 = 1;
const DEVLINK_PORT_FLAVOUR_DSA: u16 = 2;
const DEVLINK_PORT_FLAVOUR_PCI_PF: u16 = 3;
const DEVLINK_PORT_FLAVOUR_PCI_VF: u16 = 4;
const DEVLINK_PORT_FLAVOUR_VIRTUAL: u16 = 5;
const DEVLINK_PORT_FLAVOUR_UNUSED: u16 = 6;
const DEVLINK_PORT_FLAVOUR_PCI_SF: u16 = 7;

/// What a port faces. In switchdev mode a `PciVf` port is the representor of one VF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortFlavour {
    /// The uplink, facing the wire.
    Physical,
    /// A switch's CPU port.
    Cpu,
    /// A link between two switch chips.
    Dsa,
    /// The eswitch port facing a PCI PF.
    PciPf,
    /// The eswitch port facing a PCI VF.
    PciVf,
    /// A virtual port facing the user.
    Virtual,
    /// A port that exists in the switch but is not used.
    Unused,
    /// The eswitch port facing a PCI sub-function.
    PciSf,
    /// A flavour newer than this code.
    Other(u16),
}

impl From<u16> for PortFlavour {
    fn from(flavour: u16) -> Self {
        match flavour {
            DEVLINK_PORT_FLAVOUR_PHYSICAL => Self::Physical,
            DEVLINK_PORT_FLAVOUR_CPU => Self::Cpu,
            DEVLINK_PORT_FLAVOUR_DSA => Self::Dsa,
            DEVLINK_PORT_FLAVOUR_PCI_PF => Self::PciPf,
            DEVLINK_PORT_FLAVOUR_PCI_VF => Self::PciVf,
            DEVLINK_PORT_FLAVOUR_VIRTUAL => Self::Virtual,
            DEVLINK_PORT_FLAVOUR_UNUSED => Self::Unused,
            DEVLINK_PORT_FLAVOUR_PCI_SF => Self::PciSf,
            other => Self::Other(other),
        }
    }
}

impl fmt::Display for PortFlavour {
    /// The words iproute2 prints: `physical`, `pcipf`, `pcivf`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self {
            Self::Physical => "physical",
            Self::Cpu => "cpu",
            Self::Dsa => "dsa",
            Self::PciPf => "pcipf",
            Self::PciVf => "pcivf",
            Self::Virtual => "virtual",
            Self::Unused => "unused",
            Self::PciSf => "pcisf",
            Self::Other(flavour) => return write!(f, "flavour {flavour}"),
        };
        f.write_str(word)
    }
}

/// One devlink port, as `devlink port show` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevlinkPort {
    /// The device's bus, e.g. `pci`.
    pub bus_name: String,
    /// The device, e.g. `0000:3b:00.0`.
    pub dev_name: String,
    /// The port's index within the device; `pci/0000:3b:00.0/1` has index 1.
    pub index: u32,
    /// What the port faces.
    pub flavour: PortFlavour,
    /// The port's netdev, e.g. the uplink or a VF representor, if it has one.
    pub netdev: Option<String>,
    /// The PF number, on pcipf, pcivf and pcisf ports.
    pub pf_number: Option<u16>,
    /// The VF number, on pcivf ports.
    pub vf_number: Option<u16>,
    /// The sub-function number, on pcisf ports.
    pub sf_number: Option<u32>,
}

impl fmt::Display for DevlinkPort {
    /// The port handle the way iproute2 writes it: `pci/0000:3b:00.0/1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.bus_name, self.dev_name, self.index)
    }
}
