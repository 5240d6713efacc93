//! The devlink attributes, in one flat enum named after the kernel's `DEVLINK_ATTR_*`.
//!
//! Only the attributes sriov-manager reads or writes get a variant; everything else,
//! including attributes from kernels newer than this code, lands in [`DevlinkAttr::Other`]
//! so that a reply still parses.

use netlink_packet_core::{
    emit_u16, emit_u32, parse_string, parse_u16, parse_u32, parse_u8, DecodeError, DefaultNla,
    ErrorContext, Nla, NlaBuffer, Parseable,
};

// Numbers from include/uapi/linux/devlink.h, enum devlink_attr. That enum is ABI: values
// never move, new kernels only append.
const DEVLINK_ATTR_BUS_NAME: u16 = 1;
const DEVLINK_ATTR_DEV_NAME: u16 = 2;
const DEVLINK_ATTR_PORT_INDEX: u16 = 3;
const DEVLINK_ATTR_PORT_TYPE: u16 = 4;
const DEVLINK_ATTR_PORT_NETDEV_IFINDEX: u16 = 6;
const DEVLINK_ATTR_PORT_NETDEV_NAME: u16 = 7;
const DEVLINK_ATTR_ESWITCH_MODE: u16 = 25;
const DEVLINK_ATTR_ESWITCH_INLINE_MODE: u16 = 26;
const DEVLINK_ATTR_ESWITCH_ENCAP_MODE: u16 = 62;
const DEVLINK_ATTR_PORT_FLAVOUR: u16 = 77;
const DEVLINK_ATTR_PORT_NUMBER: u16 = 78;
const DEVLINK_ATTR_PORT_PCI_PF_NUMBER: u16 = 127;
const DEVLINK_ATTR_PORT_PCI_VF_NUMBER: u16 = 128;
const DEVLINK_ATTR_PORT_PCI_SF_NUMBER: u16 = 164;

/// One devlink netlink attribute.
#[derive(Debug, PartialEq, Eq, Clone)]
pub enum DevlinkAttr {
    /// `DEVLINK_ATTR_BUS_NAME`: the bus half of a device handle, e.g. `pci`.
    BusName(String),
    /// `DEVLINK_ATTR_DEV_NAME`: the device half of a handle, e.g. `0000:3b:00.0`.
    DevName(String),
    /// `DEVLINK_ATTR_PORT_INDEX`: the port's index within its device.
    PortIndex(u32),
    /// `DEVLINK_ATTR_PORT_TYPE`: `enum devlink_port_type` (notset, auto, eth, ib).
    PortType(u16),
    /// `DEVLINK_ATTR_PORT_NETDEV_IFINDEX`: ifindex of the port's netdev.
    PortNetdevIfindex(u32),
    /// `DEVLINK_ATTR_PORT_NETDEV_NAME`: name of the port's netdev, e.g. a VF representor.
    PortNetdevName(String),
    /// `DEVLINK_ATTR_ESWITCH_MODE`: `enum devlink_eswitch_mode`.
    EswitchMode(u16),
    /// `DEVLINK_ATTR_ESWITCH_INLINE_MODE`: `enum devlink_eswitch_inline_mode`.
    EswitchInlineMode(u8),
    /// `DEVLINK_ATTR_ESWITCH_ENCAP_MODE`: `enum devlink_eswitch_encap_mode`.
    EswitchEncapMode(u8),
    /// `DEVLINK_ATTR_PORT_FLAVOUR`: `enum devlink_port_flavour`.
    PortFlavour(u16),
    /// `DEVLINK_ATTR_PORT_NUMBER`: the physical port number, on physical ports.
    PortNumber(u32),
    /// `DEVLINK_ATTR_PORT_PCI_PF_NUMBER`: the PF a pcipf/pcivf/pcisf port belongs to.
    PortPciPfNumber(u16),
    /// `DEVLINK_ATTR_PORT_PCI_VF_NUMBER`: the VF a pcivf port faces.
    PortPciVfNumber(u16),
    /// `DEVLINK_ATTR_PORT_PCI_SF_NUMBER`: the SF a pcisf port faces.
    PortPciSfNumber(u32),
    /// Any attribute without a variant above, kept raw.
    Other(DefaultNla),
}

/// The kernel's name for an attribute number, for error messages.
fn kernel_name(kind: u16) -> &'static str {
    match kind {
        DEVLINK_ATTR_BUS_NAME => "DEVLINK_ATTR_BUS_NAME",
        DEVLINK_ATTR_DEV_NAME => "DEVLINK_ATTR_DEV_NAME",
        DEVLINK_ATTR_PORT_INDEX => "DEVLINK_ATTR_PORT_INDEX",
        DEVLINK_ATTR_PORT_TYPE => "DEVLINK_ATTR_PORT_TYPE",
        DEVLINK_ATTR_PORT_NETDEV_IFINDEX => "DEVLINK_ATTR_PORT_NETDEV_IFINDEX",
        DEVLINK_ATTR_PORT_NETDEV_NAME => "DEVLINK_ATTR_PORT_NETDEV_NAME",
        DEVLINK_ATTR_ESWITCH_MODE => "DEVLINK_ATTR_ESWITCH_MODE",
        DEVLINK_ATTR_ESWITCH_INLINE_MODE => "DEVLINK_ATTR_ESWITCH_INLINE_MODE",
        DEVLINK_ATTR_ESWITCH_ENCAP_MODE => "DEVLINK_ATTR_ESWITCH_ENCAP_MODE",
        DEVLINK_ATTR_PORT_FLAVOUR => "DEVLINK_ATTR_PORT_FLAVOUR",
        DEVLINK_ATTR_PORT_NUMBER => "DEVLINK_ATTR_PORT_NUMBER",
        DEVLINK_ATTR_PORT_PCI_PF_NUMBER => "DEVLINK_ATTR_PORT_PCI_PF_NUMBER",
        DEVLINK_ATTR_PORT_PCI_VF_NUMBER => "DEVLINK_ATTR_PORT_PCI_VF_NUMBER",
        DEVLINK_ATTR_PORT_PCI_SF_NUMBER => "DEVLINK_ATTR_PORT_PCI_SF_NUMBER",
        _ => "an unknown devlink attribute",
    }
}

impl Nla for DevlinkAttr {
    fn value_len(&self) -> usize {
        match self {
            // The kernel's policy declares the names NLA_NUL_STRING, so the NUL is sent.
            Self::BusName(s) | Self::DevName(s) | Self::PortNetdevName(s) => s.len() + 1,
            Self::PortType(_)
            | Self::EswitchMode(_)
            | Self::PortFlavour(_)
            | Self::PortPciPfNumber(_)
            | Self::PortPciVfNumber(_) => 2,
            Self::EswitchInlineMode(_) | Self::EswitchEncapMode(_) => 1,
            Self::PortIndex(_)
            | Self::PortNetdevIfindex(_)
            | Self::PortNumber(_)
            | Self::PortPciSfNumber(_) => 4,
            Self::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::BusName(_) => DEVLINK_ATTR_BUS_NAME,
            Self::DevName(_) => DEVLINK_ATTR_DEV_NAME,
            Self::PortIndex(_) => DEVLINK_ATTR_PORT_INDEX,
            Self::PortType(_) => DEVLINK_ATTR_PORT_TYPE,
            Self::PortNetdevIfindex(_) => DEVLINK_ATTR_PORT_NETDEV_IFINDEX,
            Self::PortNetdevName(_) => DEVLINK_ATTR_PORT_NETDEV_NAME,
            Self::EswitchMode(_) => DEVLINK_ATTR_ESWITCH_MODE,
            Self::EswitchInlineMode(_) => DEVLINK_ATTR_ESWITCH_INLINE_MODE,
            Self::EswitchEncapMode(_) => DEVLINK_ATTR_ESWITCH_ENCAP_MODE,
            Self::PortFlavour(_) => DEVLINK_ATTR_PORT_FLAVOUR,
            Self::PortNumber(_) => DEVLINK_ATTR_PORT_NUMBER,
            Self::PortPciPfNumber(_) => DEVLINK_ATTR_PORT_PCI_PF_NUMBER,
            Self::PortPciVfNumber(_) => DEVLINK_ATTR_PORT_PCI_VF_NUMBER,
            Self::PortPciSfNumber(_) => DEVLINK_ATTR_PORT_PCI_SF_NUMBER,
            Self::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        // The buffer is exactly value_len() long, so the emit_* calls cannot fail.
        match self {
            Self::BusName(s) | Self::DevName(s) | Self::PortNetdevName(s) => {
                buffer[..s.len()].copy_from_slice(s.as_bytes());
                buffer[s.len()] = 0;
            }
            Self::PortType(v)
            | Self::EswitchMode(v)
            | Self::PortFlavour(v)
            | Self::PortPciPfNumber(v)
            | Self::PortPciVfNumber(v) => emit_u16(buffer, *v).unwrap(),
            Self::EswitchInlineMode(v) | Self::EswitchEncapMode(v) => buffer[0] = *v,
            Self::PortIndex(v)
            | Self::PortNetdevIfindex(v)
            | Self::PortNumber(v)
            | Self::PortPciSfNumber(v) => emit_u32(buffer, *v).unwrap(),
            Self::Other(nla) => nla.emit_value(buffer),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for DevlinkAttr {
    fn parse(buf: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let kind = buf.kind();
        let value = buf.value();

        // The context is built from the kind, so it always names the attribute that failed.
        let parsed = match kind {
            DEVLINK_ATTR_BUS_NAME => parse_string(value).map(Self::BusName),
            DEVLINK_ATTR_DEV_NAME => parse_string(value).map(Self::DevName),
            DEVLINK_ATTR_PORT_INDEX => parse_u32(value).map(Self::PortIndex),
            DEVLINK_ATTR_PORT_TYPE => parse_u16(value).map(Self::PortType),
            DEVLINK_ATTR_PORT_NETDEV_IFINDEX => parse_u32(value).map(Self::PortNetdevIfindex),
            DEVLINK_ATTR_PORT_NETDEV_NAME => parse_string(value).map(Self::PortNetdevName),
            DEVLINK_ATTR_ESWITCH_MODE => parse_u16(value).map(Self::EswitchMode),
            DEVLINK_ATTR_ESWITCH_INLINE_MODE => parse_u8(value).map(Self::EswitchInlineMode),
            DEVLINK_ATTR_ESWITCH_ENCAP_MODE => parse_u8(value).map(Self::EswitchEncapMode),
            DEVLINK_ATTR_PORT_FLAVOUR => parse_u16(value).map(Self::PortFlavour),
            DEVLINK_ATTR_PORT_NUMBER => parse_u32(value).map(Self::PortNumber),
            DEVLINK_ATTR_PORT_PCI_PF_NUMBER => parse_u16(value).map(Self::PortPciPfNumber),
            DEVLINK_ATTR_PORT_PCI_VF_NUMBER => parse_u16(value).map(Self::PortPciVfNumber),
            DEVLINK_ATTR_PORT_PCI_SF_NUMBER => parse_u32(value).map(Self::PortPciSfNumber),
            _ => DefaultNla::parse(buf).map(Self::Other),
        };
        parsed.with_context(|| format!("invalid {} (type {kind})", kernel_name(kind)))
    }
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::Emitable;

    use super::*;

    fn parse(bytes: &[u8]) -> Result<DevlinkAttr, DecodeError> {
        DevlinkAttr::parse(&NlaBuffer::new_checked(bytes).unwrap())
    }

    #[test]
    fn wrong_size_names_the_attribute() {
        // Built by hand: DEVLINK_ATTR_ESWITCH_MODE (25) is a u16, here one byte long.
        let error = parse(&[5, 0, 25, 0, 1, 0, 0, 0]).unwrap_err().to_string();
        assert!(error.contains("invalid DEVLINK_ATTR_ESWITCH_MODE (type 25)"), "{error}");

        let error = parse(&[5, 0, 127, 0, 1, 0, 0, 0]).unwrap_err().to_string();
        assert!(error.contains("DEVLINK_ATTR_PORT_PCI_PF_NUMBER"), "{error}");
    }

    #[test]
    fn nested_flag_of_an_unknown_attribute_survives_a_round_trip() {
        // Built by hand: attribute 200 with NLA_F_NESTED (0x8000) around a u32 attribute 1.
        let bytes = [12, 0, 200, 0x80, 8, 0, 1, 0, 5, 0, 0, 0];
        let attr = parse(&bytes).unwrap();
        assert!(attr.is_nested());

        let mut emitted = vec![0; attr.buffer_len()];
        attr.emit(&mut emitted);
        assert_eq!(emitted, bytes);
    }

    #[test]
    fn strings_are_sent_nul_terminated_and_padded() {
        let attr = DevlinkAttr::PortNetdevName("eth10".to_owned());
        let mut emitted = vec![0; attr.buffer_len()];
        attr.emit(&mut emitted);
        assert_eq!(emitted, [10, 0, 7, 0, b'e', b't', b'h', b'1', b'0', 0, 0, 0]);
    }
}
