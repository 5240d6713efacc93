//! Byte-exact tests on messages captured from a real kernel (Debian 6.12, the
//! emulated Intel 82576 with igb) in the VM rig, by
//! `tests/vm/run capture_rtnetlink`: strace dumped in hex every message
//! `sriov-manager --once` sent and received while it set VF 0 of enp1s0 and
//! built capbond0 over enp2s0. Each file under `../captures/` is one whole
//! netlink message, nlmsghdr first; its `#` lines say what it is.
//!
//! Requests: ours must equal what went on the wire (the kernel acked each
//! with 0), sequence number aside. Replies: the kernel's, parsed by our code.

use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_route::link::LinkMessage;
use netlink_packet_route::RouteNetlinkMessage;

use super::super::bond::add_bond_message;
use super::super::get::link_from_message;
use super::super::handle::{netlink_request, Rtm};
use super::super::set::{set_master_message, set_up_message};
use super::super::vf::{set_vf_message, vfs_from_message, vfs_message};
use super::super::{BondState, VfChange, VfState};

/// The bytes of a capture file: hex, `#` lines skipped.
fn capture(text: &str) -> Vec<u8> {
    let hex: String = text.lines().filter(|l| !l.starts_with('#')).collect();
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// Our request as bytes, with the captured one's sequence number.
fn ours(rtm: Rtm, message: LinkMessage, captured: &[u8]) -> Vec<u8> {
    let mut request = netlink_request(rtm, message);
    request.header.sequence_number = u32::from_ne_bytes(captured[8..12].try_into().unwrap());
    let mut bytes = vec![0; request.buffer_len()];
    request.serialize(&mut bytes);
    bytes
}

/// A captured RTM_NEWLINK reply, parsed as the connection parses it.
fn reply(text: &str) -> LinkMessage {
    let bytes = capture(text);
    match NetlinkMessage::<RouteNetlinkMessage>::deserialize(&bytes).unwrap().payload {
        NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link)) => link,
        other => panic!("not a RTM_NEWLINK: {other:?}"),
    }
}

const MAC: [u8; 6] = [0x02, 0, 0, 0, 0x01, 0x00];

#[test]
fn our_requests_are_the_bytes_the_kernel_accepted() {
    let cases = [
        (include_str!("../captures/vfs_request.hex"), Rtm::Get, vfs_message("enp1s0")),
        (
            include_str!("../captures/set_vf_request.hex"),
            Rtm::Set,
            set_vf_message(
                "enp1s0",
                0,
                &VfChange {
                    mac: Some(MAC),
                    vlan: Some((100, 2)),
                    spoof_check: Some(false),
                    trust: Some(true),
                },
            ),
        ),
        (
            include_str!("../captures/add_bond_request.hex"),
            Rtm::Create,
            add_bond_message("capbond0", 1, 100),
        ),
        (include_str!("../captures/enslave_request.hex"), Rtm::Set, set_master_message(3, 6)),
        (
            include_str!("../captures/set_up_request.hex"),
            Rtm::Set,
            set_up_message("capbond0", true),
        ),
    ];
    for (text, rtm, message) in cases {
        let captured = capture(text);
        assert_eq!(ours(rtm, message, &captured), captured, "{}", text.lines().next().unwrap());
    }
}

#[test]
fn the_vf_table_of_a_real_igb_parses_before_and_after_configuration() {
    let fresh = vfs_from_message(&reply(include_str!("../captures/vfs_reply_fresh.hex"))).unwrap();
    assert_eq!(fresh.iter().map(|v| v.vf).collect::<Vec<_>>(), [0, 1]);
    for vf in &fresh {
        // No administrative MAC yet (the VF driver picks its own), no VLAN,
        // spoof checking on, no trust.
        let state = (vf.mac, vf.vlan, vf.qos, vf.spoof_check, vf.trust);
        assert_eq!(state, ([0; 6], 0, 0, Some(true), Some(false)));
    }

    let configured =
        vfs_from_message(&reply(include_str!("../captures/vfs_reply_configured.hex"))).unwrap();
    let want =
        VfState { vf: 0, mac: MAC, vlan: 100, qos: 2, spoof_check: Some(false), trust: Some(true) };
    assert_eq!(configured[0], want);
    assert_eq!(configured[1], fresh[1], "VF 1 was not touched");
}

#[test]
fn a_real_bond_and_a_free_slave_parse() {
    let bond = link_from_message(&reply(include_str!("../captures/bond_reply.hex"))).unwrap();
    assert_eq!((bond.name.as_str(), bond.index), ("capbond0", 6));
    assert_eq!(bond.kind.as_deref(), Some("bond"));
    assert_eq!(bond.bond, Some(BondState { mode: 1, miimon: 100 }));
    assert!(!bond.up, "captured before set_up");

    let slave =
        link_from_message(&reply(include_str!("../captures/slave_reply_free.hex"))).unwrap();
    assert_eq!((slave.name.as_str(), slave.index, slave.master), ("enp2s0", 3, None));
    assert_eq!(slave.bond, None);
}
