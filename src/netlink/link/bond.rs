//! `ip link add ... type bond` and `ip link set ... type bond`.

use netlink_packet_route::link::{
    BondMode, InfoBond, InfoData, InfoKind, LinkAttribute, LinkInfo, LinkMessage,
};

use super::handle::{check_name, LinkHandle, Rtm};
use super::LinkError;

/// IFLA_LINKINFO of kind bond carrying `options` as IFLA_INFO_DATA, for interface `name`.
fn bond_message(name: &str, options: Vec<InfoBond>) -> LinkMessage {
    let info = vec![LinkInfo::Kind(InfoKind::Bond), LinkInfo::Data(InfoData::Bond(options))];
    let mut message = LinkMessage::default();
    message.attributes.push(LinkAttribute::IfName(name.to_owned()));
    message.attributes.push(LinkAttribute::LinkInfo(info));
    message
}

/// RTM_NEWLINK body creating bond `name` with IFLA_BOND_MODE and IFLA_BOND_MIIMON.
pub(super) fn add_bond_message(name: &str, mode: u8, miimon: u32) -> LinkMessage {
    bond_message(name, vec![InfoBond::Mode(BondMode::from(mode)), InfoBond::MiiMon(miimon)])
}

/// RTM_NEWLINK body changing IFLA_BOND_MIIMON of the existing bond `name`.
pub(super) fn set_bond_miimon_message(name: &str, miimon: u32) -> LinkMessage {
    bond_message(name, vec![InfoBond::MiiMon(miimon)])
}

/// RTM_NEWLINK body changing IFLA_BOND_MODE of the existing bond `name`.
pub(super) fn set_bond_mode_message(name: &str, mode: u8) -> LinkMessage {
    bond_message(name, vec![InfoBond::Mode(BondMode::from(mode))])
}

impl LinkHandle {
    /// `ip link add NAME type bond mode MODE miimon MS` (mode = kernel number, 1 = active-backup).
    ///
    /// The bond is created down. EEXIST when the name is taken. EOPNOTSUPP when the kernel
    /// has no bonding driver and cannot load it. Note that when the kernel loads `bonding`
    /// for this request, the module creates `bond0` itself unless `max_bonds=0`, so adding
    /// `bond0` can then fail with EEXIST although nobody created it before.
    pub async fn add_bond(&self, name: &str, mode: u8, miimon: u32) -> Result<(), LinkError> {
        const STEP: &str = "add bond";
        check_name(name, STEP)?;
        let message = add_bond_message(name, mode, miimon);
        self.send_ack(Rtm::Create, message, name, STEP).await
    }

    /// `ip link set dev NAME type bond miimon MS`
    ///
    /// Sent as RTM_NEWLINK without NLM_F_CREATE, the way iproute2 does it: RTM_SETLINK
    /// ignores IFLA_LINKINFO, and only RTM_NEWLINK hands IFLA_INFO_DATA to the bonding
    /// driver. EOPNOTSUPP when `name` is not a bond; ENODEV when it does not exist.
    pub async fn set_bond_miimon(&self, name: &str, miimon: u32) -> Result<(), LinkError> {
        const STEP: &str = "set bond miimon";
        check_name(name, STEP)?;
        let message = set_bond_miimon_message(name, miimon);
        self.send_ack(Rtm::Change, message, name, STEP).await
    }

    /// `ip link set dev NAME type bond mode MODE`
    ///
    /// The kernel takes a new mode only while the bond is down and has no
    /// slaves (EBUSY otherwise); sent as RTM_NEWLINK, like the miimon change.
    pub async fn set_bond_mode(&self, name: &str, mode: u8) -> Result<(), LinkError> {
        const STEP: &str = "set bond mode";
        check_name(name, STEP)?;
        let message = set_bond_mode_message(name, mode);
        self.send_ack(Rtm::Change, message, name, STEP).await
    }
}
