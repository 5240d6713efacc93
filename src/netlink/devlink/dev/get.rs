//! `devlink dev show [DEV]`.

use netlink_packet_core::{DecodeError, NLM_F_DUMP, NLM_F_REQUEST};

use super::DevlinkDevice;
use crate::netlink::devlink::message::{DevlinkCmd, DevlinkMessage};
use crate::netlink::devlink::{DevlinkError, DevlinkHandle};

const ALL_DEVICES: &str = "all devices";

/// Lists devlink devices.
///
/// `devlink dev show` dumps every device; with [`device`](Self::device) it becomes
/// `devlink dev show pci/0000:3b:00.0`, which asks for that one device.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until execute() is awaited"]
pub struct DevGetRequest {
    handle: DevlinkHandle,
    device: Option<(String, String)>,
}

impl DevGetRequest {
    pub(in crate::netlink::devlink) fn new(handle: DevlinkHandle) -> Self {
        Self { handle, device: None }
    }

    /// Asks for one device instead of dumping all of them.
    pub fn device(mut self, bus: impl Into<String>, dev: impl Into<String>) -> Self {
        self.device = Some((bus.into(), dev.into()));
        self
    }

    /// Sends the request. A device that does not exist fails with ENODEV.
    pub async fn execute(self) -> Result<Vec<DevlinkDevice>, DevlinkError> {
        // No handle means every device: a dump.
        let (flags, target) = match &self.device {
            Some((bus, dev)) => (NLM_F_REQUEST, format!("{bus}/{dev}")),
            None => (NLM_F_REQUEST | NLM_F_DUMP, ALL_DEVICES.to_owned()),
        };

        let step = "dev get";
        let message = get_message(self.device.as_ref());
        let replies = self.handle.send(message, flags, &target, step).await?;
        replies
            .iter()
            .map(parse_device)
            .collect::<Result<_, _>>()
            .map_err(|cause| DevlinkError::Decode { device: target.clone(), step, cause })
    }
}

/// The request: empty for a dump, the device handle for one device.
fn get_message(device: Option<&(String, String)>) -> DevlinkMessage {
    match device {
        Some((bus, dev)) => DevlinkMessage::for_device(DevlinkCmd::Get, bus, dev),
        None => DevlinkMessage { cmd: DevlinkCmd::Get, attributes: Vec::new() },
    }
}

fn parse_device(reply: &DevlinkMessage) -> Result<DevlinkDevice, DecodeError> {
    let (bus, dev) = reply.handle().ok_or_else(|| {
        DecodeError::from("device reply without DEVLINK_ATTR_BUS_NAME and DEVLINK_ATTR_DEV_NAME")
    })?;
    Ok(DevlinkDevice { bus_name: bus.to_owned(), dev_name: dev.to_owned() })
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::DefaultNla;

    use super::*;
    use crate::netlink::devlink::attr::DevlinkAttr;
    use crate::netlink::devlink::message::wire;

    // Every fixture in this module was built by hand from include/uapi/linux/devlink.h
    // (DEVLINK_CMD_GET = 1, DEVLINK_CMD_NEW = 3, DEVLINK_ATTR_BUS_NAME = 1,
    // DEVLINK_ATTR_DEV_NAME = 2); replace with captures from netdevsim in the rig.

    /// `devlink dev show`: the dump request carries no attributes.
    const DUMP_REQUEST: &[u8] = &[1, 1, 0, 0];

    /// `devlink dev show pci/0000:3b:00.0`.
    const DO_REQUEST: &[u8] = &[
        1, 1, 0, 0, // cmd GET, version 1, reserved
        8, 0, 1, 0, b'p', b'c', b'i', 0, // BUS_NAME "pci\0"
        17, 0, 2, 0, b'0', b'0', b'0', b'0', b':', b'3', b'b', b':', // DEV_NAME
        b'0', b'0', b'.', b'0', 0, 0, 0, 0, // "0000:3b:00.0\0" + 3 bytes padding
    ];

    /// One entry of a dump reply, with DEVLINK_ATTR_RELOAD_FAILED (136) and an attribute
    /// number past this header's DEVLINK_ATTR_MAX (176), as a newer kernel might send.
    const REPLY: &[u8] = &[
        3, 1, 0, 0, // cmd NEW, version 1
        8, 0, 1, 0, b'p', b'c', b'i', 0, // BUS_NAME "pci\0"
        17, 0, 2, 0, b'0', b'0', b'0', b'0', b':', b'3', b'b', b':', // DEV_NAME
        b'0', b'0', b'.', b'0', 0, 0, 0, 0, // "0000:3b:00.0\0" + padding
        5, 0, 136, 0, 0, 0, 0, 0, // RELOAD_FAILED u8 0 + padding
        8, 0, 0x2c, 0x01, 7, 0, 0, 0, // attribute 300, u32 7
    ];

    #[test]
    fn emit_dump_request() {
        assert_eq!(wire::emit(get_message(None)), DUMP_REQUEST);
    }

    #[test]
    fn emit_do_request() {
        let device = ("pci".to_owned(), "0000:3b:00.0".to_owned());
        assert_eq!(wire::emit(get_message(Some(&device))), DO_REQUEST);
    }

    #[test]
    fn parse_reply_keeps_unknown_attributes() {
        let reply = wire::parse(REPLY);
        assert_eq!(reply.cmd, DevlinkCmd::New);
        assert_eq!(
            reply.attributes[2..],
            [
                DevlinkAttr::Other(DefaultNla::new(136, vec![0])),
                DevlinkAttr::Other(DefaultNla::new(300, vec![7, 0, 0, 0])),
            ]
        );

        let device = parse_device(&reply).unwrap();
        assert_eq!(device.to_string(), "pci/0000:3b:00.0");
        assert_eq!(wire::emit(reply), REPLY, "round trip");
    }

    #[test]
    fn reply_without_handle_is_a_decode_error() {
        let reply = wire::parse(&REPLY[..4]);
        let error = parse_device(&reply).unwrap_err().to_string();
        assert!(error.contains("DEVLINK_ATTR_BUS_NAME"), "{error}");
    }
}
