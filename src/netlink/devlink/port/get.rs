//! `devlink port show [DEV]`.

use netlink_packet_core::{DecodeError, NLM_F_DUMP, NLM_F_REQUEST};

use super::{DevlinkPort, PortFlavour};
use crate::netlink::devlink::attr::DevlinkAttr;
use crate::netlink::devlink::message::{DevlinkCmd, DevlinkMessage};
use crate::netlink::devlink::{DevlinkError, DevlinkHandle};

/// Lists devlink ports: `devlink port show`, or with [`device`](Self::device)
/// `devlink port show pci/0000:3b:00.0`. Either way it is a dump.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until execute() is awaited"]
pub struct PortGetRequest {
    handle: DevlinkHandle,
    device: Option<(String, String)>,
}

impl PortGetRequest {
    pub(in crate::netlink::devlink) fn new(handle: DevlinkHandle) -> Self {
        Self { handle, device: None }
    }

    /// Only the ports of one device.
    pub fn device(mut self, bus: impl Into<String>, dev: impl Into<String>) -> Self {
        self.device = Some((bus.into(), dev.into()));
        self
    }

    /// Sends the dump and decodes every port in it.
    pub async fn execute(self) -> Result<Vec<DevlinkPort>, DevlinkError> {
        let target = match &self.device {
            Some((bus, dev)) => format!("{bus}/{dev}"),
            None => "all devices".to_owned(),
        };
        let step = "port dump";

        let message = dump_message(self.device.as_ref());
        let flags = NLM_F_REQUEST | NLM_F_DUMP;
        let replies = self.handle.send(message, flags, &target, step).await?;

        let mut ports = Vec::with_capacity(replies.len());
        for reply in &replies {
            let port = parse_port(reply).map_err(|cause| DevlinkError::Decode {
                device: target.clone(),
                step,
                cause,
            })?;

            if belongs_to(&port, self.device.as_ref()) {
                ports.push(port);
            }
        }
        Ok(ports)
    }
}

/// The dump request: empty, or the device handle to narrow it to one device.
fn dump_message(device: Option<&(String, String)>) -> DevlinkMessage {
    match device {
        Some((bus, dev)) => DevlinkMessage::for_device(DevlinkCmd::PortGet, bus, dev),
        None => DevlinkMessage { cmd: DevlinkCmd::PortGet, attributes: Vec::new() },
    }
}

/// Older kernels ignore the handle in a dump request and list every device's ports, so the
/// filter is applied here as well.
fn belongs_to(port: &DevlinkPort, device: Option<&(String, String)>) -> bool {
    device.is_none_or(|(bus, dev)| port.bus_name == *bus && port.dev_name == *dev)
}

fn parse_port(reply: &DevlinkMessage) -> Result<DevlinkPort, DecodeError> {
    let (bus, dev) = reply.handle().ok_or_else(|| {
        DecodeError::from("port reply without DEVLINK_ATTR_BUS_NAME and DEVLINK_ATTR_DEV_NAME")
    })?;

    let mut index = None;
    let mut flavour = None;
    let mut netdev = None;
    let mut pf_number = None;
    let mut vf_number = None;
    let mut sf_number = None;
    for attr in &reply.attributes {
        match attr {
            DevlinkAttr::PortIndex(value) => index = Some(*value),
            DevlinkAttr::PortFlavour(value) => flavour = Some(PortFlavour::from(*value)),
            DevlinkAttr::PortNetdevName(name) => netdev = Some(name.clone()),
            DevlinkAttr::PortPciPfNumber(value) => pf_number = Some(*value),
            DevlinkAttr::PortPciVfNumber(value) => vf_number = Some(*value),
            DevlinkAttr::PortPciSfNumber(value) => sf_number = Some(*value),
            _ => {}
        }
    }

    let missing = |name: &str| DecodeError::from(format!("port of {bus}/{dev}: no {name}"));
    Ok(DevlinkPort {
        bus_name: bus.to_owned(),
        dev_name: dev.to_owned(),
        index: index.ok_or_else(|| missing("DEVLINK_ATTR_PORT_INDEX"))?,
        // Every kernel since 4.18 sends the flavour.
        flavour: flavour.ok_or_else(|| missing("DEVLINK_ATTR_PORT_FLAVOUR"))?,
        netdev,
        pf_number,
        vf_number,
        sf_number,
    })
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::DefaultNla;

    use super::*;
    use crate::netlink::devlink::message::wire;

    // The fixtures below were built by hand from include/uapi/linux/devlink.h
    // (DEVLINK_CMD_PORT_GET = 5, DEVLINK_CMD_PORT_NEW = 7, DEVLINK_ATTR_PORT_* and
    // enum devlink_port_flavour); they cover what netdevsim never sends (a port
    // function, PCI ports); the netdevsim test at the end uses real captures.

    /// `devlink port show`.
    const DUMP_ALL: &[u8] = &[5, 1, 0, 0];

    /// `devlink port show pci/0000:3b:00.0`.
    const DUMP_ONE_DEVICE: &[u8] = &[
        5, 1, 0, 0, // cmd PORT_GET, version 1
        8, 0, 1, 0, b'p', b'c', b'i', 0, // BUS_NAME "pci\0"
        17, 0, 2, 0, b'0', b'0', b'0', b'0', b':', b'3', b'b', b':', // DEV_NAME
        b'0', b'0', b'.', b'0', 0, 0, 0, 0, // "0000:3b:00.0\0" + padding
    ];

    /// The representor port of VF 3 on PF 0 in switchdev mode, with a nested
    /// DEVLINK_ATTR_PORT_FUNCTION (145) that this code does not decode.
    const VF_PORT: &[u8] = &[
        7, 1, 0, 0, // cmd PORT_NEW, version 1
        8, 0, 1, 0, b'p', b'c', b'i', 0, // BUS_NAME
        17, 0, 2, 0, b'0', b'0', b'0', b'0', b':', b'3', b'b', b':', // DEV_NAME
        b'0', b'0', b'.', b'0', 0, 0, 0, 0, //
        8, 0, 3, 0, 4, 0, 0, 0, // PORT_INDEX u32 4
        6, 0, 4, 0, 2, 0, 0, 0, // PORT_TYPE u16 eth + padding
        8, 0, 6, 0, 9, 0, 0, 0, // PORT_NETDEV_IFINDEX u32 9
        9, 0, 7, 0, b'e', b't', b'h', b'1', 0, 0, 0, 0, // PORT_NETDEV_NAME "eth1\0"
        6, 0, 77, 0, 4, 0, 0, 0, // PORT_FLAVOUR u16 pcivf + padding
        6, 0, 127, 0, 0, 0, 0, 0, // PORT_PCI_PF_NUMBER u16 0 + padding
        6, 0, 128, 0, 3, 0, 0, 0, // PORT_PCI_VF_NUMBER u16 3 + padding
        16, 0, 145, 0, // PORT_FUNCTION, nested without NLA_F_NESTED as devlink sends it
        10, 0, 1, 0, 2, 0, 0, 0, 0, 3, 0, 0, // HW_ADDR 02:00:00:00:00:03 + padding
    ];

    /// The uplink: a physical port with a port number and no PF/VF numbers.
    const UPLINK_PORT: &[u8] = &[
        7, 1, 0, 0, // cmd PORT_NEW, version 1
        8, 0, 1, 0, b'p', b'c', b'i', 0, // BUS_NAME
        17, 0, 2, 0, b'0', b'0', b'0', b'0', b':', b'3', b'b', b':', // DEV_NAME
        b'0', b'0', b'.', b'0', 0, 0, 0, 0, //
        8, 0, 3, 0, 0, 0, 0, 0, // PORT_INDEX u32 0
        14, 0, 7, 0, b'e', b'n', b's', b'1', b'f', b'0', b'n', b'p', // PORT_NETDEV_NAME
        b'0', 0, 0, 0, // "ens1f0np0\0" + padding
        6, 0, 77, 0, 0, 0, 0, 0, // PORT_FLAVOUR u16 physical + padding
        8, 0, 78, 0, 0, 0, 0, 0, // PORT_NUMBER u32 0
    ];

    fn device() -> (String, String) {
        ("pci".to_owned(), "0000:3b:00.0".to_owned())
    }

    #[test]
    fn emit_dump_requests() {
        assert_eq!(wire::emit(dump_message(None)), DUMP_ALL);
        assert_eq!(wire::emit(dump_message(Some(&device()))), DUMP_ONE_DEVICE);
    }

    #[test]
    fn parse_vf_representor_port() {
        let reply = wire::parse(VF_PORT);
        assert_eq!(reply.cmd, DevlinkCmd::PortNew);
        let function = DefaultNla::new(145, vec![10, 0, 1, 0, 2, 0, 0, 0, 0, 3, 0, 0]);
        assert_eq!(reply.attributes.last(), Some(&DevlinkAttr::Other(function)));

        let port = parse_port(&reply).unwrap();
        let expected = DevlinkPort {
            bus_name: "pci".to_owned(),
            dev_name: "0000:3b:00.0".to_owned(),
            index: 4,
            flavour: PortFlavour::PciVf,
            netdev: Some("eth1".to_owned()),
            pf_number: Some(0),
            vf_number: Some(3),
            sf_number: None,
        };
        assert_eq!(port, expected);
        assert_eq!(
            (port.to_string(), port.flavour.to_string()),
            ("pci/0000:3b:00.0/4".to_owned(), "pcivf".to_owned())
        );
        assert_eq!(wire::emit(reply), VF_PORT, "round trip");
    }

    #[test]
    fn parse_uplink_port() {
        let reply = wire::parse(UPLINK_PORT);
        let port = parse_port(&reply).unwrap();
        assert_eq!(port.flavour, PortFlavour::Physical);
        assert_eq!(port.netdev.as_deref(), Some("ens1f0np0"));
        assert_eq!((port.pf_number, port.vf_number), (None, None));
        assert_eq!(wire::emit(reply), UPLINK_PORT, "round trip");
    }

    #[test]
    fn port_without_flavour_is_a_decode_error() {
        // Cut before PORT_FLAVOUR: genl header, handle, index and netdev name.
        let reply = wire::parse(&UPLINK_PORT[..56]);
        let error = parse_port(&reply).unwrap_err().to_string();
        assert!(error.contains("pci/0000:3b:00.0: no DEVLINK_ATTR_PORT_FLAVOUR"), "{error}");
    }

    #[test]
    fn ports_of_other_devices_are_filtered_out() {
        let port = parse_port(&wire::parse(UPLINK_PORT)).unwrap();
        assert!(belongs_to(&port, None));
        assert!(belongs_to(&port, Some(&device())));
        let other = ("pci".to_owned(), "0000:3b:00.1".to_owned());
        assert!(!belongs_to(&port, Some(&other)));
    }

    #[test]
    fn captured_netdevsim_ports() {
        use crate::netlink::devlink::captures::*;

        let expected = [
            (PORT_PHYSICAL_0, 0, PortFlavour::Physical, "eni10np1", None, None),
            (PORT_PHYSICAL_1, 1, PortFlavour::Physical, "eni10np2", None, None),
            (PORT_VF_0, 128, PortFlavour::PciVf, "eni10npf0vf0", Some(0), Some(0)),
            (PORT_VF_1, 129, PortFlavour::PciVf, "eni10npf0vf1", Some(0), Some(1)),
        ];
        for (fixture, index, flavour, netdev, pf, vf) in expected {
            let bytes = hex(fixture);
            let reply = wire::parse(&bytes);
            assert_eq!(reply.cmd, DevlinkCmd::PortNew);
            let port = parse_port(&reply).unwrap();
            assert_eq!(
                (port.bus_name.as_str(), port.dev_name.as_str()),
                ("netdevsim", "netdevsim10")
            );
            assert_eq!(
                (port.index, port.flavour, port.netdev.as_deref()),
                (index, flavour, Some(netdev))
            );
            assert_eq!((port.pf_number, port.vf_number), (pf, vf), "{netdev}");
            assert_eq!(wire::emit(reply), bytes, "round trip of {netdev}");
        }
    }
}
