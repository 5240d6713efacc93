//! The one error type of the devlink layer.

use std::io;

use netlink_packet_core::DecodeError;

use crate::netlink::errno::{self, EINVAL, ENODEV, ENOTSUPP, EOPNOTSUPP};

/// A failure of the devlink layer. Each message names the device, the step and the cause.
#[derive(Debug, thiserror::Error)]
pub enum DevlinkError {
    /// The kernel has no `devlink` generic-netlink family. The family comes with the devlink
    /// core, which is compiled in (`CONFIG_NET_DEVLINK`) only when some driver needs it; so
    /// no device on this host can be driven through devlink.
    #[error("the kernel has no devlink generic netlink family (built without CONFIG_NET_DEVLINK)")]
    FamilyMissing,

    /// The kernel answered a request with an error.
    #[error("{device}: {step}: {}", describe(*.errno, .message.as_deref()))]
    Kernel {
        /// The devlink handle, e.g. `pci/0000:3b:00.0`, or `all devices` for a dump.
        device: String,
        /// What was being done, e.g. `eswitch get`.
        step: &'static str,
        /// The positive errno, e.g. 95 for EOPNOTSUPP.
        errno: i32,
        /// The driver's or kernel's explanation from the extended ack, when it gave one.
        message: Option<String>,
    },

    /// The netlink socket or its connection task failed.
    #[error("{}{step}: {cause}", prefix(.device.as_deref()))]
    Io {
        /// The devlink handle the request was for; `None` while connecting.
        device: Option<String>,
        /// What was being done, e.g. `open generic netlink socket`.
        step: &'static str,
        /// The socket's error.
        cause: io::Error,
    },

    /// A reply could not be decoded.
    #[error("{device}: {step}: cannot decode the kernel's reply: {cause}")]
    Decode {
        /// The devlink handle the reply was about.
        device: String,
        /// What was being done, e.g. `port dump`.
        step: &'static str,
        /// The decoder's complaint, naming the attribute where it knows it.
        cause: DecodeError,
    },
}

impl DevlinkError {
    /// True when the failure means "this kernel or device does not do that", not that
    /// something broke: no devlink family at all, or the kernel's errno is one of
    /// EOPNOTSUPP/ENOTSUPP (the driver has no such callback), ENODEV (no devlink instance by
    /// that handle) or EINVAL (some drivers refuse a mode they do not implement with it).
    ///
    /// On a set, EINVAL can also mean that the driver refused the value in its current
    /// state; check [`errno`](Self::errno) and the message when that difference matters.
    pub fn is_not_supported(&self) -> bool {
        match self {
            Self::FamilyMissing => true,
            Self::Kernel { errno, .. } => {
                matches!(*errno, EOPNOTSUPP | ENOTSUPP | ENODEV | EINVAL)
            }
            Self::Io { .. } | Self::Decode { .. } => false,
        }
    }

    /// The kernel's positive errno, if the kernel refused the request.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Self::Kernel { errno, .. } => Some(*errno),
            _ => None,
        }
    }
}

/// "EOPNOTSUPP (Operation not supported): <extack>", the errno's name first because that is
/// what people search for.
fn describe(errno: i32, message: Option<&str>) -> String {
    let text = io::Error::from_raw_os_error(errno);
    let mut out = match errno::name(errno) {
        Some(name) => format!("{name} ({text})"),
        None => text.to_string(),
    };
    if let Some(message) = message {
        out.push_str(": ");
        out.push_str(message);
    }
    out
}

fn prefix(device: Option<&str>) -> String {
    device.map(|device| format!("{device}: ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kernel(errno: i32, message: Option<&str>) -> DevlinkError {
        DevlinkError::Kernel {
            device: "pci/0000:3b:00.0".to_owned(),
            step: "eswitch get",
            errno,
            message: message.map(str::to_owned),
        }
    }

    #[test]
    fn kernel_error_names_device_step_and_errno() {
        let text = kernel(EOPNOTSUPP, None).to_string();
        assert!(text.starts_with("pci/0000:3b:00.0: eswitch get: EOPNOTSUPP ("), "{text}");

        let text = kernel(16, Some("Can't change mode while VFs are bound")).to_string();
        assert!(text.ends_with("): Can't change mode while VFs are bound"), "{text}");
    }

    #[test]
    fn not_supported_is_told_apart_from_failures() {
        for errno in [EOPNOTSUPP, ENOTSUPP, ENODEV, EINVAL] {
            assert!(kernel(errno, None).is_not_supported(), "errno {errno}");
        }
        assert!(DevlinkError::FamilyMissing.is_not_supported());

        // EBUSY (a mode change refused in the device's state) and EPERM are real failures.
        assert!(!kernel(16, None).is_not_supported());
        assert!(!kernel(1, None).is_not_supported());
        let io = DevlinkError::Io {
            device: None,
            step: "open generic netlink socket",
            cause: io::Error::from_raw_os_error(EOPNOTSUPP),
        };
        assert!(!io.is_not_supported());
        assert_eq!(io.to_string().split(':').next(), Some("open generic netlink socket"));
    }
}
