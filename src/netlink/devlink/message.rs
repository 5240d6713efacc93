//! The devlink command enum and the generic-netlink message that carries it.

use netlink_packet_core::{
    DecodeError, Emitable, ErrorContext, NlasIterator, Parseable, ParseableParametrized,
};
use netlink_packet_generic::{GenlFamily, GenlHeader};

use super::attr::DevlinkAttr;

/// The family name the kernel registers; genetlink resolves it to the dynamic family id.
const DEVLINK_GENL_NAME: &str = "devlink";
const DEVLINK_GENL_VERSION: u8 = 1;

// Numbers from include/uapi/linux/devlink.h, enum devlink_command.
const DEVLINK_CMD_GET: u8 = 1;
const DEVLINK_CMD_NEW: u8 = 3;
const DEVLINK_CMD_PORT_GET: u8 = 5;
const DEVLINK_CMD_PORT_NEW: u8 = 7;
const DEVLINK_CMD_ESWITCH_GET: u8 = 29;
const DEVLINK_CMD_ESWITCH_SET: u8 = 30;

/// A devlink command. Replies to `Get` and `PortGet` come back as `New` and `PortNew`.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum DevlinkCmd {
    /// `DEVLINK_CMD_GET`
    Get,
    /// `DEVLINK_CMD_NEW`
    New,
    /// `DEVLINK_CMD_PORT_GET`
    PortGet,
    /// `DEVLINK_CMD_PORT_NEW`
    PortNew,
    /// `DEVLINK_CMD_ESWITCH_GET`, also the command of its reply.
    EswitchGet,
    /// `DEVLINK_CMD_ESWITCH_SET`
    EswitchSet,
    /// A command this module does not send, e.g. a notification; kept so that it parses.
    Other(u8),
}

impl From<DevlinkCmd> for u8 {
    fn from(cmd: DevlinkCmd) -> u8 {
        match cmd {
            DevlinkCmd::Get => DEVLINK_CMD_GET,
            DevlinkCmd::New => DEVLINK_CMD_NEW,
            DevlinkCmd::PortGet => DEVLINK_CMD_PORT_GET,
            DevlinkCmd::PortNew => DEVLINK_CMD_PORT_NEW,
            DevlinkCmd::EswitchGet => DEVLINK_CMD_ESWITCH_GET,
            DevlinkCmd::EswitchSet => DEVLINK_CMD_ESWITCH_SET,
            DevlinkCmd::Other(cmd) => cmd,
        }
    }
}

impl From<u8> for DevlinkCmd {
    fn from(cmd: u8) -> Self {
        match cmd {
            DEVLINK_CMD_GET => Self::Get,
            DEVLINK_CMD_NEW => Self::New,
            DEVLINK_CMD_PORT_GET => Self::PortGet,
            DEVLINK_CMD_PORT_NEW => Self::PortNew,
            DEVLINK_CMD_ESWITCH_GET => Self::EswitchGet,
            DEVLINK_CMD_ESWITCH_SET => Self::EswitchSet,
            other => Self::Other(other),
        }
    }
}

/// The payload of one devlink generic-netlink message: a command and its attributes.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct DevlinkMessage {
    /// Goes into the generic-netlink header.
    pub cmd: DevlinkCmd,
    /// The attributes, in the order they are sent or were received.
    pub attributes: Vec<DevlinkAttr>,
}

impl DevlinkMessage {
    /// A message for `cmd` that starts with the device's `bus/dev` handle.
    pub(super) fn for_device(cmd: DevlinkCmd, bus: &str, dev: &str) -> Self {
        let attributes =
            vec![DevlinkAttr::BusName(bus.to_owned()), DevlinkAttr::DevName(dev.to_owned())];
        Self { cmd, attributes }
    }

    /// The `bus/dev` handle the kernel put in a reply, if both halves are there.
    pub(super) fn handle(&self) -> Option<(&str, &str)> {
        let mut bus = None;
        let mut dev = None;
        for attr in &self.attributes {
            match attr {
                DevlinkAttr::BusName(name) => bus = Some(name.as_str()),
                DevlinkAttr::DevName(name) => dev = Some(name.as_str()),
                _ => {}
            }
        }
        bus.zip(dev)
    }
}

impl GenlFamily for DevlinkMessage {
    fn family_name() -> &'static str {
        DEVLINK_GENL_NAME
    }

    fn command(&self) -> u8 {
        self.cmd.into()
    }

    fn version(&self) -> u8 {
        DEVLINK_GENL_VERSION
    }
}

impl Emitable for DevlinkMessage {
    fn buffer_len(&self) -> usize {
        self.attributes.as_slice().buffer_len()
    }

    fn emit(&self, buffer: &mut [u8]) {
        self.attributes.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for DevlinkMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        let mut attributes = Vec::new();
        for nla in NlasIterator::new(buf) {
            let nla = nla.context("malformed attribute header in a devlink message")?;
            attributes.push(DevlinkAttr::parse(&nla)?);
        }
        Ok(Self { cmd: header.cmd.into(), attributes })
    }
}

/// Test helpers shared by the request modules: emit a request as the bytes that follow the
/// netlink header, and parse such bytes back.
#[cfg(test)]
pub(super) mod wire {
    use netlink_packet_core::{Emitable, ParseableParametrized};
    use netlink_packet_generic::{GenlHeader, GenlMessage};

    use super::DevlinkMessage;

    /// The generic-netlink header plus attributes, as `execute()` would send them.
    pub(in super::super) fn emit(message: DevlinkMessage) -> Vec<u8> {
        let genl = GenlMessage::from_payload(message);
        let mut bytes = vec![0; genl.buffer_len()];
        genl.emit(&mut bytes);
        bytes
    }

    /// Parses the generic-netlink header plus attributes of a reply.
    pub(in super::super) fn parse(bytes: &[u8]) -> DevlinkMessage {
        let header = GenlHeader::parse(bytes).expect("genl header");
        DevlinkMessage::parse_with_param(&bytes[4..], header).expect("devlink attributes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_keep_their_numbers() {
        for cmd in [1u8, 3, 5, 7, 29, 30, 42] {
            assert_eq!(u8::from(DevlinkCmd::from(cmd)), cmd);
        }
        assert_eq!(DevlinkCmd::from(42), DevlinkCmd::Other(42));
        assert_eq!(DevlinkCmd::from(29), DevlinkCmd::EswitchGet);
    }

    #[test]
    fn truncated_attribute_is_an_error() {
        // Built by hand: BUS_NAME claims 8 bytes but the buffer ends after 6.
        let header = GenlHeader { cmd: 3, version: 1 };
        let error = DevlinkMessage::parse_with_param(&[8, 0, 1, 0, b'p', b'c'], header);
        assert!(error.unwrap_err().to_string().contains("malformed attribute header"));
    }
}
