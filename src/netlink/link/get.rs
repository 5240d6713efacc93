//! `ip link show`: one interface by name, and what sriov-manager needs to know of it.

use netlink_packet_route::link::{
    InfoBond, InfoData, LinkAttribute, LinkExtentMask, LinkFlags, LinkInfo, LinkMessage,
};

use super::handle::{check_name, LinkHandle, Rtm};
use super::LinkError;

/// One network interface, as `ip -d link show` would describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The ifindex.
    pub index: u32,
    /// The primary name. A lookup by an alternative name returns this one.
    pub name: String,
    /// IFF_UP is set.
    pub up: bool,
    /// IFLA_MASTER: ifindex of the bond/bridge it is enslaved to.
    pub master: Option<u32>,
    /// IFLA_INFO_KIND, e.g. "bond".
    pub kind: Option<String>,
    /// Present when kind is bond: IFLA_BOND_MODE and IFLA_BOND_MIIMON.
    pub bond: Option<BondState>,
}

/// The bond options sriov-manager manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BondState {
    /// IFLA_BOND_MODE, the kernel's number: 0 balance-rr, 1 active-backup, ... 6 balance-alb.
    pub mode: u8,
    /// IFLA_BOND_MIIMON, the link monitoring interval in milliseconds; 0 is off.
    pub miimon: u32,
}

/// RTM_GETLINK for `name`. RTEXT_FILTER_SKIP_STATS keeps the counters, which are not
/// used, out of the reply, as iproute2 does without `-s`.
pub(super) fn get_message(name: &str) -> LinkMessage {
    let mut message = LinkMessage::default();
    message.attributes.push(LinkAttribute::IfName(name.to_owned()));
    message.attributes.push(LinkAttribute::ExtMask(vec![LinkExtentMask::SkipStats]));
    message
}

/// The [`Link`] a RTM_NEWLINK describes; `None` when it lacks IFLA_IFNAME, which the
/// kernel always sends.
pub(super) fn link_from_message(message: &LinkMessage) -> Option<Link> {
    let mut name = None;
    let mut master = None;
    let mut kind = None;
    let mut bond = None;
    for attr in &message.attributes {
        match attr {
            LinkAttribute::IfName(n) => name = Some(n.clone()),
            LinkAttribute::Controller(index) => master = Some(*index),
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    match info {
                        LinkInfo::Kind(k) => kind = Some(k.to_string()),
                        LinkInfo::Data(InfoData::Bond(options)) => bond = bond_state(options),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    Some(Link {
        index: message.header.index,
        name: name?,
        up: message.header.flags.contains(LinkFlags::Up),
        master,
        kind,
        bond,
    })
}

/// Mode and miimon of a bond's IFLA_INFO_DATA; the kernel always sends both.
fn bond_state(options: &[InfoBond]) -> Option<BondState> {
    let mut mode = None;
    let mut miimon = None;
    for option in options {
        match option {
            InfoBond::Mode(m) => mode = Some(u8::from(*m)),
            InfoBond::MiiMon(ms) => miimon = Some(*ms),
            _ => {}
        }
    }
    Some(BondState { mode: mode?, miimon: miimon? })
}

impl LinkHandle {
    /// `ip link show dev NAME`; Ok(None) when no such interface (ENODEV).
    ///
    /// The kernel also matches alternative names (`ip link property add ... altname`), so
    /// the returned [`Link::name`] can differ from `name`.
    pub async fn get(&self, name: &str) -> Result<Option<Link>, LinkError> {
        const STEP: &str = "show";
        check_name(name, STEP)?;

        let replies = match self.send(Rtm::Get, get_message(name), name, STEP).await {
            Ok(replies) => replies,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };

        let reply = replies.first().ok_or_else(|| LinkError::UnexpectedReply {
            interface: name.to_owned(),
            step: STEP.to_owned(),
            detail: "no RTM_NEWLINK".to_owned(),
        })?;
        let link = link_from_message(reply).ok_or_else(|| LinkError::UnexpectedReply {
            interface: name.to_owned(),
            step: STEP.to_owned(),
            detail: "RTM_NEWLINK without IFLA_IFNAME".to_owned(),
        })?;
        Ok(Some(link))
    }

    /// Like [`get`](Self::get), but a missing interface is the kernel's ENODEV as an error
    /// that names it and `step`.
    pub(super) async fn get_existing(&self, name: &str, step: &str) -> Result<Link, LinkError> {
        self.get(name).await?.ok_or_else(|| LinkError::Kernel {
            interface: name.to_owned(),
            step: step.to_owned(),
            errno: super::error::ENODEV,
            message: None,
        })
    }
}
