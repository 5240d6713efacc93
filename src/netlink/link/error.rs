//! The one error type of the link layer.

use std::io;

use crate::netlink::errno;
pub(super) use crate::netlink::errno::ENODEV;

/// A failure of the link layer. Each message names the interface, the step and the cause.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The name cannot belong to any interface: empty, longer than 15 bytes (IFNAMSIZ - 1)
    /// or holding a NUL. Caught here because the kernel would answer a vague ERANGE.
    #[error("{interface:?}: {step}: not a valid interface name (1 to 15 bytes, no NUL)")]
    InvalidName {
        /// The name as the caller gave it.
        interface: String,
        /// What was being done, e.g. `show`.
        step: String,
    },

    /// The kernel answered a request with an error.
    #[error("{interface}: {step}: {}", describe(*.errno, .message.as_deref()))]
    Kernel {
        /// The interface the request was about, e.g. `enp1s0f0`.
        interface: String,
        /// What was being done, e.g. `set vf 0 mac`.
        step: String,
        /// The positive errno, e.g. 19 for ENODEV.
        errno: i32,
        /// The kernel's or driver's explanation from the extended ack, when it gave one.
        message: Option<String>,
    },

    /// The rtnetlink socket or its connection task failed.
    #[error("{}{step}: {cause}", prefix(.interface.as_deref()))]
    Io {
        /// The interface the request was about; `None` while connecting.
        interface: Option<String>,
        /// What was being done, e.g. `open rtnetlink socket`.
        step: String,
        /// The socket's error.
        cause: io::Error,
    },

    /// The kernel acknowledged the request but its reply lacks something it always sends.
    #[error("{interface}: {step}: unexpected reply from the kernel: {detail}")]
    UnexpectedReply {
        /// The interface the request was about.
        interface: String,
        /// What was being done.
        step: String,
        /// What was missing or out of place.
        detail: String,
    },
}

impl LinkError {
    /// The kernel's positive errno, if the kernel refused the request.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Self::Kernel { errno, .. } => Some(*errno),
            _ => None,
        }
    }

    /// True when the kernel said there is no such interface (ENODEV).
    pub fn is_not_found(&self) -> bool {
        self.errno() == Some(ENODEV)
    }
}

/// "Operation not permitted (EPERM): <extack>".
fn describe(errno: i32, message: Option<&str>) -> String {
    // std appends " (os error N)" to strerror's text; the errno's name replaces it.
    let text = io::Error::from_raw_os_error(errno).to_string();
    let suffix = format!(" (os error {errno})");
    let text = text.strip_suffix(&suffix).unwrap_or(&text);
    let mut out = match errno::name(errno) {
        Some(name) => format!("{text} ({name})"),
        None => format!("{text} (errno {errno})"),
    };
    if let Some(message) = message {
        out.push_str(": ");
        out.push_str(message);
    }
    out
}

fn prefix(interface: Option<&str>) -> String {
    interface.map(|name| format!("{name}: ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kernel(errno: i32, message: Option<&str>) -> LinkError {
        LinkError::Kernel {
            interface: "enp1s0".to_owned(),
            step: "set vf 0 mac".to_owned(),
            errno,
            message: message.map(str::to_owned),
        }
    }

    #[test]
    fn kernel_error_names_interface_step_and_errno() {
        let text = kernel(1, None).to_string();
        assert_eq!(text, "enp1s0: set vf 0 mac: Operation not permitted (EPERM)");

        let text = kernel(1, Some("Device can not be enslaved while up")).to_string();
        assert!(text.ends_with("(EPERM): Device can not be enslaved while up"), "{text}");

        let text = kernel(4242, None).to_string();
        assert!(text.ends_with("(errno 4242)"), "{text}");
    }

    #[test]
    fn not_found_is_enodev_only() {
        assert!(kernel(ENODEV, None).is_not_found());
        assert_eq!(kernel(ENODEV, None).errno(), Some(19));
        assert!(!kernel(1, None).is_not_found());

        let io = LinkError::Io {
            interface: None,
            step: "open rtnetlink socket".to_owned(),
            cause: io::Error::from_raw_os_error(ENODEV),
        };
        assert!(!io.is_not_found());
        assert_eq!(io.errno(), None);
        assert!(io.to_string().starts_with("open rtnetlink socket: "), "{io}");
    }
}
