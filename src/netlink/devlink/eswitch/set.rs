//! `devlink dev eswitch set pci/0000:3b:00.0 mode switchdev`.

use netlink_packet_core::{NLM_F_ACK, NLM_F_REQUEST};

use super::EswitchMode;
use crate::netlink::devlink::attr::DevlinkAttr;
use crate::netlink::devlink::message::{DevlinkCmd, DevlinkMessage};
use crate::netlink::devlink::{DevlinkError, DevlinkHandle};

/// Changes a device's eswitch settings:
/// `devlink dev eswitch set pci/0000:3b:00.0 mode switchdev [inline-mode ..] [encap-mode ..]`.
///
/// Only what a setter chose is sent; the kernel leaves the rest alone. Drivers refuse a mode
/// change in some states, commonly while VFs are bound to their drivers; the driver's reason
/// then arrives in [`DevlinkError::Kernel`]'s `message`. This request does not read first:
/// callers compare with [`EswitchGetRequest`](super::EswitchGetRequest) so that an apply on
/// a configured host sends nothing.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until execute() is awaited"]
pub struct EswitchSetRequest {
    handle: DevlinkHandle,
    bus: String,
    dev: String,
    mode: Option<EswitchMode>,
    inline_mode: Option<u8>,
    encap_mode: Option<u8>,
}

impl EswitchSetRequest {
    pub(super) fn new(handle: DevlinkHandle, bus: String, dev: String) -> Self {
        Self { handle, bus, dev, mode: None, inline_mode: None, encap_mode: None }
    }

    /// `mode legacy|switchdev`.
    pub fn mode(mut self, mode: EswitchMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// `inline-mode`: a value of `enum devlink_eswitch_inline_mode`.
    pub fn inline_mode(mut self, inline_mode: u8) -> Self {
        self.inline_mode = Some(inline_mode);
        self
    }

    /// `encap-mode`: a value of `enum devlink_eswitch_encap_mode`.
    pub fn encap_mode(mut self, encap_mode: u8) -> Self {
        self.encap_mode = Some(encap_mode);
        self
    }

    /// Sends the change and waits for the kernel's ack.
    pub async fn execute(self) -> Result<(), DevlinkError> {
        let device = format!("{}/{}", self.bus, self.dev);

        // Without NLM_F_ACK a successful set sends nothing back, and a refusal could not be
        // told apart from a reply still on its way.
        let flags = NLM_F_REQUEST | NLM_F_ACK;
        let message =
            set_message(&self.bus, &self.dev, self.mode, self.inline_mode, self.encap_mode);
        self.handle.send(message, flags, &device, "eswitch set").await?;
        Ok(())
    }
}

/// The request: the device handle, then only the settings that were chosen.
fn set_message(
    bus: &str,
    dev: &str,
    mode: Option<EswitchMode>,
    inline_mode: Option<u8>,
    encap_mode: Option<u8>,
) -> DevlinkMessage {
    let mut message = DevlinkMessage::for_device(DevlinkCmd::EswitchSet, bus, dev);
    let changes = [
        mode.map(|mode| DevlinkAttr::EswitchMode(mode.to_kernel())),
        inline_mode.map(DevlinkAttr::EswitchInlineMode),
        encap_mode.map(DevlinkAttr::EswitchEncapMode),
    ];
    message.attributes.extend(changes.into_iter().flatten());
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::devlink::message::wire;

    // Every fixture in this module was built by hand from include/uapi/linux/devlink.h
    // (DEVLINK_CMD_ESWITCH_SET = 30, DEVLINK_ATTR_ESWITCH_MODE = 25, _INLINE_MODE = 26,
    // _ENCAP_MODE = 62); replace with captures from netdevsim in the rig.

    /// `devlink dev eswitch set pci/0000:3b:00.0 mode switchdev`.
    const SET_SWITCHDEV: &[u8] = &[
        30, 1, 0, 0, // cmd ESWITCH_SET, version 1
        8, 0, 1, 0, b'p', b'c', b'i', 0, // BUS_NAME "pci\0"
        17, 0, 2, 0, b'0', b'0', b'0', b'0', b':', b'3', b'b', b':', // DEV_NAME
        b'0', b'0', b'.', b'0', 0, 0, 0, 0, // "0000:3b:00.0\0" + padding
        6, 0, 25, 0, 1, 0, 0, 0, // ESWITCH_MODE u16 switchdev + padding
    ];

    /// The bytes after the genl header (4) and the device handle (8 + 20).
    fn after_handle(message: DevlinkMessage) -> Vec<u8> {
        wire::emit(message)[32..].to_vec()
    }

    #[test]
    fn emit_set_switchdev() {
        let message = set_message("pci", "0000:3b:00.0", Some(EswitchMode::Switchdev), None, None);
        assert_eq!(wire::emit(message), SET_SWITCHDEV);
    }

    #[test]
    fn emit_set_legacy_with_inline_and_encap_modes() {
        // `devlink dev eswitch set pci/0000:3b:00.0 mode legacy inline-mode network
        //  encap-mode none`
        let mode = Some(EswitchMode::Legacy);
        let message = set_message("pci", "0000:3b:00.0", mode, Some(2), Some(0));
        let expected: &[u8] = &[
            6, 0, 25, 0, 0, 0, 0, 0, // ESWITCH_MODE u16 legacy + padding
            5, 0, 26, 0, 2, 0, 0, 0, // ESWITCH_INLINE_MODE u8 network + padding
            5, 0, 62, 0, 0, 0, 0, 0, // ESWITCH_ENCAP_MODE u8 none + padding
        ];
        assert_eq!(after_handle(message), expected);
    }

    #[test]
    fn nothing_chosen_sends_only_the_handle() {
        let message = set_message("pci", "0000:3b:00.0", None, None, None);
        assert_eq!(after_handle(message), Vec::<u8>::new());
    }
}
