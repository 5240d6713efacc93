//! The requests as bytes, checked against the kernel's attribute numbers from
//! include/uapi/linux/if_link.h; the parsing of replies and a live lookup are in
//! [`replies`]. Behaviour with real VFs and bonds is tested in the VM rig.

use netlink_packet_core::NlasIterator;
use netlink_packet_route::link::LinkMessage;

use super::bond::{add_bond_message, set_bond_miimon_message};
use super::get::get_message;
use super::handle::{netlink_request, Rtm};
use super::set::{set_master_message, set_up_message};
use super::vf::{set_vf_message, vfs_message};
use super::VfChange;

const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const RTM_SETLINK: u16 = 19;
// nlmsghdr flags: REQUEST 0x1, ACK 0x4, EXCL 0x200, CREATE 0x400.
const REQUEST_ACK: u16 = 0x5;
const IFLA_IFNAME: u16 = 3;
const IFLA_MASTER: u16 = 10;
const IFLA_LINKINFO: u16 = 18;
const IFLA_VFINFO_LIST: u16 = 22;
const IFLA_EXT_MASK: u16 = 29;
const IFLA_INFO_KIND: u16 = 1;
const IFLA_INFO_DATA: u16 = 2;
const IFLA_VF_INFO: u16 = 1;
pub(super) const MAC: [u8; 6] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];

/// A request as it goes on the wire: (nlmsg_type, nlmsg_flags, ifinfomsg, attributes).
fn wire(rtm: Rtm, message: LinkMessage) -> (u16, u16, Vec<u8>, Vec<u8>) {
    let request = netlink_request(rtm, message);
    let mut bytes = vec![0; request.buffer_len()];
    request.serialize(&mut bytes);
    assert_eq!(u32::from_ne_bytes(bytes[..4].try_into().unwrap()) as usize, bytes.len());
    let kind = u16::from_ne_bytes([bytes[4], bytes[5]]);
    let flags = u16::from_ne_bytes([bytes[6], bytes[7]]);
    (kind, flags, bytes[16..32].to_vec(), bytes[32..].to_vec())
}

/// The (type, value) of each attribute in `bytes`.
fn attrs(bytes: &[u8]) -> Vec<(u16, Vec<u8>)> {
    NlasIterator::new(bytes)
        .map(|nla| nla.unwrap())
        .map(|n| (n.kind(), n.value().to_vec()))
        .collect()
}

fn attr(bytes: &[u8], kind: u16) -> Vec<u8> {
    let found = attrs(bytes).into_iter().find(|(k, _)| *k == kind);
    found.unwrap_or_else(|| panic!("no attribute {kind}")).1
}

fn u32s(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_ne_bytes()).collect()
}

fn ifinfomsg(index: u32, flags: u32, change: u32) -> Vec<u8> {
    [&[0u8, 0, 0, 0][..], &u32s(&[index, flags, change])].concat()
}

#[test]
fn set_vf_nests_every_field_in_one_vf_info() {
    let change = VfChange {
        mac: Some(MAC),
        vlan: Some((100, 3)),
        spoof_check: Some(true),
        trust: Some(false),
    };
    let (kind, flags, header, body) = wire(Rtm::Set, set_vf_message("enp1s0", 7, &change));
    assert_eq!((kind, flags), (RTM_SETLINK, REQUEST_ACK));
    assert_eq!(header, ifinfomsg(0, 0, 0));
    assert_eq!(attr(&body, IFLA_IFNAME), b"enp1s0\0");

    let list = attrs(&attr(&body, IFLA_VFINFO_LIST));
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].0, IFLA_VF_INFO);

    // struct ifla_vf_mac { u32 vf; u8 mac[32]; }, ifla_vf_vlan { vf, vlan, qos },
    // ifla_vf_spoofchk and ifla_vf_trust { vf, setting }.
    let mut mac = 7u32.to_ne_bytes().to_vec();
    mac.extend_from_slice(&MAC);
    mac.resize(36, 0);
    let expected = vec![(1, mac), (2, u32s(&[7, 100, 3])), (4, u32s(&[7, 1])), (9, u32s(&[7, 0]))];
    assert_eq!(attrs(&list[0].1), expected);
}

#[test]
fn set_vf_sends_only_the_some_fields() {
    let trust = VfChange { trust: Some(true), ..VfChange::default() };
    let (_, _, _, body) = wire(Rtm::Set, set_vf_message("pf0", 2, &trust));
    let list = attrs(&attr(&body, IFLA_VFINFO_LIST));
    assert_eq!(attrs(&list[0].1), vec![(9, u32s(&[2, 1]))]);

    let clear = VfChange { vlan: Some((0, 0)), ..VfChange::default() };
    let (_, _, _, body) = wire(Rtm::Set, set_vf_message("pf0", 0, &clear));
    let list = attrs(&attr(&body, IFLA_VFINFO_LIST));
    assert_eq!(attrs(&list[0].1), vec![(2, u32s(&[0, 0, 0]))]);
}

#[test]
fn vfs_query_asks_for_vf_info_without_stats() {
    let (kind, flags, header, body) = wire(Rtm::Get, vfs_message("enp1s0"));
    assert_eq!((kind, flags), (RTM_GETLINK, 0x1));
    assert_eq!(header, ifinfomsg(0, 0, 0));
    assert_eq!(attr(&body, IFLA_IFNAME), b"enp1s0\0");
    // RTEXT_FILTER_VF (1) | RTEXT_FILTER_SKIP_STATS (8)
    assert_eq!(attr(&body, IFLA_EXT_MASK), 9u32.to_ne_bytes());

    let (_, _, _, body) = wire(Rtm::Get, get_message("lo"));
    assert_eq!(attr(&body, IFLA_EXT_MASK), 8u32.to_ne_bytes());
}

#[test]
fn add_bond_creates_with_mode_and_miimon() {
    let (kind, flags, _, body) = wire(Rtm::Create, add_bond_message("bond0", 1, 100));
    assert_eq!((kind, flags), (RTM_NEWLINK, REQUEST_ACK | 0x200 | 0x400));
    assert_eq!(attr(&body, IFLA_IFNAME), b"bond0\0");

    let info = attr(&body, IFLA_LINKINFO);
    assert!(attr(&info, IFLA_INFO_KIND).starts_with(b"bond"));
    // IFLA_BOND_MODE (1) is a u8, IFLA_BOND_MIIMON (3) a u32.
    let data = attrs(&attr(&info, IFLA_INFO_DATA));
    assert_eq!(data, vec![(1, vec![1]), (3, u32s(&[100]))]);
}

#[test]
fn set_bond_miimon_changes_an_existing_bond() {
    let (kind, flags, _, body) = wire(Rtm::Change, set_bond_miimon_message("bond0", 250));
    assert_eq!((kind, flags), (RTM_NEWLINK, REQUEST_ACK), "no NLM_F_CREATE, no NLM_F_EXCL");

    let info = attr(&body, IFLA_LINKINFO);
    assert!(attr(&info, IFLA_INFO_KIND).starts_with(b"bond"));
    assert_eq!(attrs(&attr(&info, IFLA_INFO_DATA)), vec![(3, u32s(&[250]))]);
}

#[test]
fn enslave_is_down_then_master() {
    let (kind, flags, header, body) = wire(Rtm::Set, set_up_message("ens1", false));
    assert_eq!((kind, flags), (RTM_SETLINK, REQUEST_ACK));
    assert_eq!(header, ifinfomsg(0, 0, 1), "IFF_UP cleared under an IFF_UP change mask");
    assert_eq!(attr(&body, IFLA_IFNAME), b"ens1\0");

    let (_, _, header, body) = wire(Rtm::Set, set_master_message(4, 9));
    assert_eq!(header, ifinfomsg(4, 0, 0));
    assert_eq!(attrs(&body), vec![(IFLA_MASTER, u32s(&[9]))]);

    let (_, _, header, _) = wire(Rtm::Set, set_up_message("bond0", true));
    assert_eq!(header, ifinfomsg(0, 1, 1));
}

mod captures;
mod replies;
