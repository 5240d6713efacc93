//! `devlink dev eswitch show pci/0000:3b:00.0`.

use netlink_packet_core::{DecodeError, NLM_F_REQUEST};

use super::{EswitchInfo, EswitchMode};
use crate::netlink::devlink::attr::DevlinkAttr;
use crate::netlink::devlink::message::{DevlinkCmd, DevlinkMessage};
use crate::netlink::devlink::{DevlinkError, DevlinkHandle};

/// Reads a device's eswitch mode: `devlink dev eswitch show pci/0000:3b:00.0`.
///
/// A driver without eswitch support fails with EOPNOTSUPP, which
/// [`DevlinkError::is_not_supported`] recognises.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until execute() is awaited"]
pub struct EswitchGetRequest {
    handle: DevlinkHandle,
    bus: String,
    dev: String,
}

impl EswitchGetRequest {
    pub(super) fn new(handle: DevlinkHandle, bus: String, dev: String) -> Self {
        Self { handle, bus, dev }
    }

    /// Sends the request and decodes the reply.
    pub async fn execute(self) -> Result<EswitchInfo, DevlinkError> {
        let device = format!("{}/{}", self.bus, self.dev);
        let step = "eswitch get";

        let message = DevlinkMessage::for_device(DevlinkCmd::EswitchGet, &self.bus, &self.dev);
        let replies = self.handle.send(message, NLM_F_REQUEST, &device, step).await?;
        let decoded = match replies.first() {
            Some(reply) => parse_info(reply),
            None => Err(DecodeError::from("the kernel sent no reply")),
        };
        decoded.map_err(|cause| DevlinkError::Decode { device, step, cause })
    }
}

fn parse_info(reply: &DevlinkMessage) -> Result<EswitchInfo, DecodeError> {
    let mut mode = None;
    let mut inline_mode = None;
    let mut encap_mode = None;
    for attr in &reply.attributes {
        match attr {
            DevlinkAttr::EswitchMode(value) => mode = Some(*value),
            DevlinkAttr::EswitchInlineMode(value) => inline_mode = Some(*value),
            DevlinkAttr::EswitchEncapMode(value) => encap_mode = Some(*value),
            _ => {}
        }
    }

    // The kernel always sends the mode when the driver can report one and fails the
    // request otherwise, so a reply without it is malformed.
    let raw = mode.ok_or_else(|| DecodeError::from("no DEVLINK_ATTR_ESWITCH_MODE in reply"))?;
    let mode = EswitchMode::from_kernel(raw).ok_or_else(|| {
        DecodeError::from(format!("unknown DEVLINK_ATTR_ESWITCH_MODE value {raw}"))
    })?;
    Ok(EswitchInfo { mode, inline_mode, encap_mode })
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::DefaultNla;

    use super::*;
    use crate::netlink::devlink::message::wire;

    // The fixtures below were built by hand from include/uapi/linux/devlink.h
    // (DEVLINK_CMD_ESWITCH_GET = 29, DEVLINK_ATTR_ESWITCH_MODE = 25, _INLINE_MODE = 26,
    // _ENCAP_MODE = 62) for what netdevsim never sends (inline and encap modes, an
    // unknown attribute); the netdevsim test at the end uses real captures.

    /// `devlink dev eswitch show pci/0000:3b:00.0`.
    const REQUEST: &[u8] = &[
        29, 1, 0, 0, // cmd ESWITCH_GET, version 1
        8, 0, 1, 0, b'p', b'c', b'i', 0, // BUS_NAME "pci\0"
        17, 0, 2, 0, b'0', b'0', b'0', b'0', b':', b'3', b'b', b':', // DEV_NAME
        b'0', b'0', b'.', b'0', 0, 0, 0, 0, // "0000:3b:00.0\0" + padding
    ];

    /// The reply from a switchdev device: inline mode link (1), encap basic (1), and an
    /// attribute number (250) that this header does not know.
    const REPLY: &[u8] = &[
        29, 1, 0, 0, // cmd ESWITCH_GET, version 1
        8, 0, 1, 0, b'p', b'c', b'i', 0, // BUS_NAME
        17, 0, 2, 0, b'0', b'0', b'0', b'0', b':', b'3', b'b', b':', // DEV_NAME
        b'0', b'0', b'.', b'0', 0, 0, 0, 0, //
        6, 0, 25, 0, 1, 0, 0, 0, // ESWITCH_MODE u16 switchdev + padding
        5, 0, 26, 0, 1, 0, 0, 0, // ESWITCH_INLINE_MODE u8 link + padding
        5, 0, 62, 0, 1, 0, 0, 0, // ESWITCH_ENCAP_MODE u8 basic + padding
        6, 0, 250, 0, 0xaa, 0xbb, 0, 0, // attribute 250, two bytes + padding
    ];

    #[test]
    fn emit_request() {
        let message = DevlinkMessage::for_device(DevlinkCmd::EswitchGet, "pci", "0000:3b:00.0");
        assert_eq!(wire::emit(message), REQUEST);
    }

    #[test]
    fn parse_switchdev_reply() {
        let reply = wire::parse(REPLY);
        assert_eq!(reply.cmd, DevlinkCmd::EswitchGet);
        assert_eq!(
            reply.attributes.last(),
            Some(&DevlinkAttr::Other(DefaultNla::new(250, vec![0xaa, 0xbb])))
        );

        let info = parse_info(&reply).unwrap();
        let expected =
            EswitchInfo { mode: EswitchMode::Switchdev, inline_mode: Some(1), encap_mode: Some(1) };
        assert_eq!(info, expected);
        assert_eq!(wire::emit(reply), REPLY, "round trip");
    }

    #[test]
    fn optional_modes_may_be_absent() {
        // The first 40 bytes end after ESWITCH_MODE.
        let info = parse_info(&wire::parse(&REPLY[..40])).unwrap();
        assert_eq!(info.mode, EswitchMode::Switchdev);
        assert_eq!((info.inline_mode, info.encap_mode), (None, None));
    }

    #[test]
    fn unknown_mode_is_a_decode_error() {
        let mut reply = wire::parse(&REPLY[..40]);
        reply.attributes[2] = DevlinkAttr::EswitchMode(7);
        let error = parse_info(&reply).unwrap_err().to_string();
        assert!(error.contains("DEVLINK_ATTR_ESWITCH_MODE value 7"), "{error}");
    }

    #[test]
    fn captured_netdevsim_request_and_replies() {
        use crate::netlink::devlink::captures::*;

        let message =
            DevlinkMessage::for_device(DevlinkCmd::EswitchGet, "netdevsim", "netdevsim10");
        assert_eq!(wire::emit(message), hex(ESWITCH_GET_REQUEST), "our request, as captured");

        for (fixture, mode) in [
            (ESWITCH_GET_LEGACY, EswitchMode::Legacy),
            (ESWITCH_GET_SWITCHDEV, EswitchMode::Switchdev),
        ] {
            let bytes = hex(fixture);
            let reply = wire::parse(&bytes);
            let info = parse_info(&reply).unwrap();
            assert_eq!(info, EswitchInfo { mode, inline_mode: None, encap_mode: None });
            assert_eq!(wire::emit(reply), bytes, "round trip");
        }
    }
}
