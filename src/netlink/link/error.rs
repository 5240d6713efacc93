//! The one error type of the link layer, and the kernel's extended ack that it carries.

use std::io;

use netlink_packet_core::{parse_string, parse_u32, NlasIterator, NLM_F_ACK_TLVS, NLM_F_CAPPED};

// Limitation: these are the asm-generic errno values (x86_64, aarch64, riscv64, ...);
// mips, sparc, alpha and parisc number some differently. Using libc's constants removes
// this once libc is a direct dependency.
pub(super) const ENODEV: i32 = 19;

/// `NLMSGERR_ATTR_MSG` from include/uapi/linux/netlink.h.
const NLMSGERR_ATTR_MSG: u16 = 1;
const NLMSG_HDRLEN: usize = 16;

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
    let mut out = match errno_name(errno) {
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

/// Names for the errnos link requests commonly end in.
fn errno_name(errno: i32) -> Option<&'static str> {
    let name = match errno {
        1 => "EPERM",
        2 => "ENOENT",
        12 => "ENOMEM",
        16 => "EBUSY",
        17 => "EEXIST",
        ENODEV => "ENODEV",
        22 => "EINVAL",
        34 => "ERANGE",
        95 => "EOPNOTSUPP",
        524 => "ENOTSUPP",
        _ => return None,
    };
    Some(name)
}

/// The text of an NLMSG_ERROR's extended ack, given the reply's netlink flags and the bytes
/// after the error code.
pub(super) fn extack_message(flags: u16, payload: &[u8]) -> Option<String> {
    if flags & NLM_F_ACK_TLVS == 0 {
        return None;
    }

    // The kernel echoes the request's header, or all of the request when the socket did
    // not ask for a capped ack; the TLVs come after it, 4-byte aligned.
    let echoed = if flags & NLM_F_CAPPED != 0 {
        NLMSG_HDRLEN
    } else {
        parse_u32(payload.get(..4)?).ok()? as usize
    };
    NlasIterator::new(payload.get(echoed.next_multiple_of(4)..)?)
        .map_while(Result::ok)
        .find(|nla| nla.kind() == NLMSGERR_ATTR_MSG)
        .and_then(|nla| parse_string(nla.value()).ok())
        .filter(|message| !message.is_empty())
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

    #[test]
    fn extack_after_a_capped_echo() {
        // Built by hand in the kernel's layout: the echoed 16-byte request header, then
        // NLMSGERR_ATTR_MSG "bad vf" and NLMSGERR_ATTR_OFFS.
        let mut payload = vec![32, 0, 0, 0, 19, 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        payload.extend_from_slice(&[11, 0, 1, 0, b'b', b'a', b'd', b' ', b'v', b'f', 0, 0]);
        payload.extend_from_slice(&[8, 0, 2, 0, 20, 0, 0, 0]);

        let flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
        assert_eq!(extack_message(flags, &payload).as_deref(), Some("bad vf"));
        assert_eq!(extack_message(NLM_F_CAPPED, &payload), None);

        // Without NLM_F_CAPPED the whole 32-byte request is echoed before the TLVs.
        let mut uncapped = payload[..16].to_vec();
        uncapped.extend_from_slice(&[0; 16]);
        uncapped.extend_from_slice(&payload[16..]);
        assert_eq!(extack_message(NLM_F_ACK_TLVS, &uncapped).as_deref(), Some("bad vf"));
    }
}
