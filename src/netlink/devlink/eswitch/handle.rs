//! The entry point for one device's eswitch requests.

use super::{EswitchGetRequest, EswitchSetRequest};
use crate::netlink::devlink::DevlinkHandle;

/// Builds the eswitch requests for one device at a time.
#[derive(Debug, Clone)]
pub struct EswitchHandle(DevlinkHandle);

impl EswitchHandle {
    pub(in crate::netlink::devlink) fn new(handle: DevlinkHandle) -> Self {
        Self(handle)
    }

    /// `devlink dev eswitch show BUS/DEV`.
    pub fn get(&self, bus: impl Into<String>, dev: impl Into<String>) -> EswitchGetRequest {
        EswitchGetRequest::new(self.0.clone(), bus.into(), dev.into())
    }

    /// `devlink dev eswitch set BUS/DEV ...`; choose what to change with the setters.
    pub fn set(&self, bus: impl Into<String>, dev: impl Into<String>) -> EswitchSetRequest {
        EswitchSetRequest::new(self.0.clone(), bus.into(), dev.into())
    }
}
