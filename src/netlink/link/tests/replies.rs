//! Replies built the way the kernel's rtnl_fill_ifinfo() lays them out, emitted and
//! parsed back (they are not captures), and a live lookup on this host's rtnetlink.

use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_route::link::{
    BondMode, InfoBond, InfoData, InfoKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
    LinkVfInfo, VfInfo, VfInfoLinkState, VfInfoMac, VfInfoSpoofCheck, VfInfoTrust, VfInfoVlan,
    VfLinkState,
};
use netlink_packet_route::RouteNetlinkMessage;

use super::super::get::link_from_message;
use super::super::vf::vfs_from_message;
use super::super::{BondState, Link, LinkHandle, VfState};
use super::MAC;

/// Emits `message` as the kernel's RTM_NEWLINK and parses it back as a reply would be.
fn reply(message: LinkMessage) -> LinkMessage {
    let mut netlink = NetlinkMessage::from(RouteNetlinkMessage::NewLink(message));
    netlink.finalize();
    let mut bytes = vec![0; netlink.buffer_len()];
    netlink.serialize(&mut bytes);
    match NetlinkMessage::<RouteNetlinkMessage>::deserialize(&bytes).unwrap().payload {
        NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link)) => link,
        other => panic!("not a RTM_NEWLINK: {other:?}"),
    }
}

fn kernel_vf(vf: u32, mac: [u8; 6], vlan: u32, qos: u32, spoof: bool, trust: bool) -> LinkVfInfo {
    LinkVfInfo(vec![
        VfInfo::Mac(VfInfoMac::new(vf, &mac)),
        VfInfo::Vlan(VfInfoVlan::new(vf, vlan, qos)),
        VfInfo::LinkState(VfInfoLinkState::new(vf, VfLinkState::Auto)),
        VfInfo::SpoofCheck(VfInfoSpoofCheck::new(vf, spoof)),
        VfInfo::Trust(VfInfoTrust::new(vf, trust)),
    ])
}

#[test]
fn vf_list_parses_sorted_by_vf() {
    let mut message = LinkMessage::default();
    message.header.index = 3;
    message.attributes = vec![
        LinkAttribute::IfName("enp1s0".to_owned()),
        LinkAttribute::NumVf(2),
        LinkAttribute::VfInfoList(vec![
            kernel_vf(1, [0; 6], 0, 0, true, false),
            kernel_vf(0, MAC, 42, 5, false, true),
        ]),
    ];

    let vfs = vfs_from_message(&reply(message)).unwrap();
    let vf0 =
        VfState { vf: 0, mac: MAC, vlan: 42, qos: 5, spoof_check: Some(false), trust: Some(true) };
    let vf1 = VfState {
        vf: 1,
        mac: [0; 6],
        vlan: 0,
        qos: 0,
        spoof_check: Some(true),
        trust: Some(false),
    };
    assert_eq!(vfs, vec![vf0, vf1]);
}

#[test]
fn vf_settings_a_kernel_did_not_send_are_none() {
    // A pre-4.4 kernel: IFLA_VF_MAC and IFLA_VF_VLAN only.
    let info = LinkVfInfo(vec![
        VfInfo::Mac(VfInfoMac::new(0, &MAC)),
        VfInfo::Vlan(VfInfoVlan::new(0, 0, 0)),
    ]);
    let mut message = LinkMessage::default();
    message.attributes = vec![LinkAttribute::VfInfoList(vec![info])];
    let vfs = vfs_from_message(&reply(message)).unwrap();
    assert_eq!((vfs[0].spoof_check, vfs[0].trust), (None, None));

    let mut message = LinkMessage::default();
    let no_mac = LinkVfInfo(vec![VfInfo::Vlan(VfInfoVlan::new(0, 0, 0))]);
    message.attributes = vec![LinkAttribute::VfInfoList(vec![no_mac])];
    let error = vfs_from_message(&reply(message)).unwrap_err();
    assert!(error.contains("IFLA_VF_MAC"), "{error}");

    assert_eq!(vfs_from_message(&reply(LinkMessage::default())).unwrap(), vec![]);
}

#[test]
fn bond_and_slave_parse_into_links() {
    let mut bond = LinkMessage::default();
    bond.header.index = 7;
    bond.header.flags = LinkFlags::Up | LinkFlags::Broadcast | LinkFlags::Controller;
    bond.attributes = vec![
        LinkAttribute::IfName("bond0".to_owned()),
        LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Bond),
            LinkInfo::Data(InfoData::Bond(vec![
                InfoBond::Mode(BondMode::ActiveBackup),
                InfoBond::MiiMon(100),
                InfoBond::UpDelay(0),
            ])),
        ]),
    ];
    let link = link_from_message(&reply(bond)).unwrap();
    let expected = Link {
        index: 7,
        name: "bond0".to_owned(),
        up: true,
        master: None,
        kind: Some("bond".to_owned()),
        bond: Some(BondState { mode: 1, miimon: 100 }),
    };
    assert_eq!(link, expected);

    let mut slave = LinkMessage::default();
    slave.header.index = 4;
    slave.header.flags = LinkFlags::Broadcast;
    slave.attributes = vec![LinkAttribute::IfName("ens1".to_owned()), LinkAttribute::Controller(7)];
    let link = link_from_message(&reply(slave)).unwrap();
    assert_eq!((link.up, link.master, link.kind, link.bond), (false, Some(7), None, None));

    assert_eq!(link_from_message(&LinkMessage::default()), None, "no IFLA_IFNAME");
}

/// Runs on any Linux host: the network namespace always has `lo`, with ifindex 1.
#[tokio::test]
async fn live_lookup_of_lo_and_of_a_missing_interface() {
    let link = LinkHandle::connect().await.unwrap();

    let lo = link.get("lo").await.unwrap().expect("lo exists");
    assert_eq!((lo.index, lo.name.as_str(), lo.up), (1, "lo", true));
    assert_eq!((lo.master, lo.bond), (None, None));

    assert_eq!(link.get("no-such-if0").await.unwrap(), None);

    // lo has no parent device, so the kernel answers the VF query without a VF list.
    assert_eq!(link.vfs("lo").await.unwrap(), vec![]);
    let error = link.vfs("no-such-if0").await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert!(error.to_string().starts_with("no-such-if0: show vfs: "), "{error}");
}
