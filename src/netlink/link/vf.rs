//! Per-VF settings of a PF: IFLA_VFINFO_LIST, as `ip link show|set dev PF vf N` uses it.

use netlink_packet_route::link::{
    LinkAttribute, LinkExtentMask, LinkMessage, LinkVfInfo, VfInfo, VfInfoMac, VfInfoSpoofCheck,
    VfInfoTrust, VfInfoVlan,
};

use super::handle::{check_name, LinkHandle, Rtm};
use super::LinkError;

/// One VF's settings as its PF's driver reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VfState {
    /// The VF number within the PF, from 0.
    pub vf: u32,
    /// The administrative MAC; all zeros when none was set.
    pub mac: [u8; 6],
    /// 0 = no VLAN.
    pub vlan: u16,
    /// The 802.1p priority of the VLAN tag.
    pub qos: u8,
    /// None when the kernel/driver did not report it.
    pub spoof_check: Option<bool>,
    /// None when the kernel/driver did not report it.
    pub trust: Option<bool>,
}

/// The settings to change on one VF; `None` fields are left as they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VfChange {
    /// The administrative MAC.
    pub mac: Option<[u8; 6]>,
    /// (vlan id, qos); (0, 0) clears the VLAN.
    pub vlan: Option<(u16, u8)>,
    /// MAC spoof checking.
    pub spoof_check: Option<bool>,
    /// Trusted mode (promiscuous, and MAC changes from inside the VF).
    pub trust: Option<bool>,
}

impl VfChange {
    /// The `ip link set ... vf N` words this change holds, e.g. `mac, trust`, for errors.
    fn describe(&self) -> String {
        let words = [
            self.mac.map(|_| "mac"),
            self.vlan.map(|_| "vlan"),
            self.spoof_check.map(|_| "spoofchk"),
            self.trust.map(|_| "trust"),
        ];
        words.into_iter().flatten().collect::<Vec<_>>().join(", ")
    }
}

/// RTM_GETLINK for `pf` with IFLA_EXT_MASK = RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS.
///
/// Without RTEXT_FILTER_VF the kernel leaves IFLA_VFINFO_LIST out. RTEXT_FILTER_SKIP_STATS
/// drops IFLA_VF_STATS, as iproute2 does without `-s`: the list is one attribute and so
/// at most 64 KiB, which VF counters would fill at about 200 VFs.
pub(super) fn vfs_message(pf: &str) -> LinkMessage {
    let mask = vec![LinkExtentMask::Vf, LinkExtentMask::SkipStats];
    let mut message = LinkMessage::default();
    message.attributes.push(LinkAttribute::IfName(pf.to_owned()));
    message.attributes.push(LinkAttribute::ExtMask(mask));
    message
}

/// RTM_SETLINK for `pf` with one IFLA_VF_INFO holding the `Some` fields of `change`.
pub(super) fn set_vf_message(pf: &str, vf: u32, change: &VfChange) -> LinkMessage {
    let mut info = Vec::new();
    if let Some(mac) = change.mac {
        info.push(VfInfo::Mac(VfInfoMac::new(vf, &mac)));
    }
    if let Some((vlan, qos)) = change.vlan {
        info.push(VfInfo::Vlan(VfInfoVlan::new(vf, vlan.into(), qos.into())));
    }
    if let Some(on) = change.spoof_check {
        info.push(VfInfo::SpoofCheck(VfInfoSpoofCheck::new(vf, on)));
    }
    if let Some(on) = change.trust {
        info.push(VfInfo::Trust(VfInfoTrust::new(vf, on)));
    }

    let mut message = LinkMessage::default();
    message.attributes.push(LinkAttribute::IfName(pf.to_owned()));
    message.attributes.push(LinkAttribute::VfInfoList(vec![LinkVfInfo(info)]));
    message
}

/// The VFs in a RTM_NEWLINK, sorted by VF number. Errors name what is malformed.
pub(super) fn vfs_from_message(message: &LinkMessage) -> Result<Vec<VfState>, String> {
    let mut vfs = Vec::new();
    for attr in &message.attributes {
        if let LinkAttribute::VfInfoList(list) = attr {
            for entry in list {
                vfs.push(vf_state(entry)?);
            }
        }
    }
    vfs.sort_by_key(|vf| vf.vf);
    Ok(vfs)
}

fn vf_state(entry: &LinkVfInfo) -> Result<VfState, String> {
    // The kernel's rtnl_fill_vfinfo() always puts IFLA_VF_MAC and IFLA_VF_VLAN, and since
    // 4.4 IFLA_VF_SPOOFCHK and IFLA_VF_TRUST.
    //
    // Limitation: for the latter two the kernel sends -1 when the driver does not report
    // the setting, and netlink-packet-route 0.34 decodes -1 as false, so such a driver
    // shows Some(false), not None. Decoding IFLA_VF_SPOOFCHK/IFLA_VF_TRUST from the raw
    // attribute here, once the reply's bytes are available, removes this.
    let mut mac = None;
    let mut vlan = (0, 0);
    let mut spoof_check = None;
    let mut trust = None;
    for info in &entry.0 {
        match info {
            VfInfo::Mac(m) => {
                let mut bytes = [0; 6];
                bytes.copy_from_slice(&m.mac[..6]);
                mac = Some((m.vf_id, bytes));
            }
            // The kernel refuses VLAN ids above 4095 and qos above 7, so no driver reports
            // more; saturating keeps a bogus value from matching any wanted one.
            VfInfo::Vlan(v) => {
                let id = u16::try_from(v.vlan_id).unwrap_or(u16::MAX);
                vlan = (id, u8::try_from(v.qos).unwrap_or(u8::MAX));
            }
            VfInfo::SpoofCheck(s) => spoof_check = Some(s.enabled),
            VfInfo::Trust(t) => trust = Some(t.enabled),
            _ => {}
        }
    }

    let (vf, mac) = mac.ok_or("IFLA_VF_INFO without IFLA_VF_MAC")?;
    Ok(VfState { vf, mac, vlan: vlan.0, qos: vlan.1, spoof_check, trust })
}

impl LinkHandle {
    /// `ip link show dev PF` with VF details (IFLA_EXT_MASK = RTEXT_FILTER_VF). Returns one
    /// entry per VF, sorted by vf.
    ///
    /// Empty when the PF has no VFs enabled, when `pf` is not a PCI device, and when its
    /// driver cannot report VF settings (no `ndo_get_vf_config`). ENODEV when no interface
    /// is named `pf`.
    pub async fn vfs(&self, pf: &str) -> Result<Vec<VfState>, LinkError> {
        const STEP: &str = "show vfs";
        check_name(pf, STEP)?;

        let replies = self.send(Rtm::Get, vfs_message(pf), pf, STEP).await?;
        let unexpected = |detail: String| LinkError::UnexpectedReply {
            interface: pf.to_owned(),
            step: STEP.to_owned(),
            detail,
        };
        let reply = replies.first().ok_or_else(|| unexpected("no RTM_NEWLINK".to_owned()))?;
        vfs_from_message(reply).map_err(unexpected)
    }

    /// `ip link set dev PF vf N [mac M] [vlan V qos Q] [spoofchk on|off] [trust on|off]`,
    /// only the `Some` fields are sent. One RTM_SETLINK with IFLA_VFINFO_LIST/IFLA_VF_INFO.
    ///
    /// A change with no `Some` field sends nothing. The kernel applies the fields in the
    /// order mac, vlan, spoofchk, trust and stops at the first the driver refuses; those
    /// before it stay applied. EINVAL for a VF number the PF does not have (with most
    /// drivers), EOPNOTSUPP when the driver cannot set that field.
    pub async fn set_vf(&self, pf: &str, vf: u32, change: &VfChange) -> Result<(), LinkError> {
        let step = format!("set vf {vf} {}", change.describe());
        check_name(pf, &step)?;
        if *change == VfChange::default() {
            return Ok(());
        }
        self.send_ack(Rtm::Set, set_vf_message(pf, vf, change), pf, &step).await
    }
}
