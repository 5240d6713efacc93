//! devlink devices: `devlink dev show`.

mod get;

use std::fmt;

pub use get::DevGetRequest;

/// A devlink device, known by its handle `bus/dev`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DevlinkDevice {
    /// The bus, e.g. `pci`, `auxiliary` or `netdevsim`.
    pub bus_name: String,
    /// The device on that bus, e.g. `0000:3b:00.0`.
    pub dev_name: String,
}

impl fmt::Display for DevlinkDevice {
    /// The handle the way iproute2 writes it: `pci/0000:3b:00.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.bus_name, self.dev_name)
    }
}
