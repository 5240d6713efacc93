//! The kernel's extended ack: the text a driver attaches to an error, such as why it refused
//! an eswitch mode change or a slave. It is the most useful part of a netlink failure, so
//! devlink and link errors keep it.

use netlink_packet_core::{parse_string, parse_u32, NlasIterator, NLM_F_ACK_TLVS, NLM_F_CAPPED};

/// `NLMSGERR_ATTR_MSG` from include/uapi/linux/netlink.h.
const NLMSGERR_ATTR_MSG: u16 = 1;
const NLMSG_HDRLEN: usize = 16;

/// The message in an NLMSG_ERROR, given the reply's flags and the bytes after the error code.
pub(super) fn from_error(flags: u16, payload: &[u8]) -> Option<String> {
    if flags & NLM_F_ACK_TLVS == 0 {
        return None;
    }

    // The kernel echoes the request's header, or the whole request when it did not cap the
    // echo; the TLVs follow, 4-byte aligned.
    let echoed = if flags & NLM_F_CAPPED != 0 {
        NLMSG_HDRLEN
    } else {
        parse_u32(payload.get(..4)?).ok()? as usize
    };
    message_in(payload.get(echoed.next_multiple_of(4)..)?)
}

/// The message in an NLMSG_DONE that ends a failed dump, given the bytes after its code.
pub(super) fn from_done(flags: u16, tlvs: &[u8]) -> Option<String> {
    if flags & NLM_F_ACK_TLVS == 0 {
        return None;
    }
    message_in(tlvs)
}

fn message_in(tlvs: &[u8]) -> Option<String> {
    NlasIterator::new(tlvs)
        .map_while(Result::ok)
        .find(|nla| nla.kind() == NLMSGERR_ATTR_MSG)
        .and_then(|nla| parse_string(nla.value()).ok())
        .filter(|message| !message.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured on the build host (Linux 6.18, no devlink family there) from nlctrl, whose
    // error layout is the same for every generic-netlink family: CTRL_CMD_GETFAMILY with a
    // one-byte CTRL_ATTR_FAMILY_ID, on a socket with NETLINK_EXT_ACK set, once with
    // NETLINK_CAP_ACK (reply flags 0x300) and once without (0x200). The bytes follow the
    // error code (-ERANGE). Replace with a devlink capture from netdevsim in the rig.
    const ECHOED_HEADER: [u8; 16] = [28, 0, 0, 0, 16, 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    const ECHOED_PAYLOAD: [u8; 12] = [3, 2, 0, 0, 5, 0, 1, 0, 7, 0, 0, 0];
    const TLVS: &[u8] = &[
        39, 0, 1, 0, b'A', b't', b't', b'r', b'i', b'b', b'u', b't', b'e', b' ', b'f', b'a', b'i',
        b'l', b'e', b'd', b' ', b'p', b'o', b'l', b'i', b'c', b'y', b' ', b'v', b'a', b'l', b'i',
        b'd', b'a', b't', b'i', b'o', b'n', 0, 0, // NLMSGERR_ATTR_MSG
        8, 0, 2, 0, 20, 0, 0, 0, // NLMSGERR_ATTR_OFFS
        36, 0, 4, 128, 12, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, // NLMSGERR_ATTR_POLICY
        12, 0, 5, 0, 255, 255, 0, 0, 0, 0, 0, 0, 8, 0, 1, 0, 3, 0, 0, 0,
    ];
    const MESSAGE: &str = "Attribute failed policy validation";

    #[test]
    fn capped_error_message() {
        let payload = [&ECHOED_HEADER[..], TLVS].concat();
        let message = from_error(NLM_F_CAPPED | NLM_F_ACK_TLVS, &payload);
        assert_eq!(message.as_deref(), Some(MESSAGE));
    }

    #[test]
    fn uncapped_error_skips_the_echoed_request() {
        let payload = [&ECHOED_HEADER[..], &ECHOED_PAYLOAD, TLVS].concat();
        let message = from_error(NLM_F_ACK_TLVS, &payload);
        assert_eq!(message.as_deref(), Some(MESSAGE));
    }

    #[test]
    fn no_tlvs_flag_means_no_message() {
        let payload = [&ECHOED_HEADER[..], TLVS].concat();
        assert_eq!(from_error(NLM_F_CAPPED, &payload), None);
        assert_eq!(from_error(NLM_F_CAPPED | NLM_F_ACK_TLVS, &ECHOED_HEADER), None);
    }

    #[test]
    fn capped_and_uncapped_echoes_of_a_link_request() {
        // Built by hand in the kernel's layout: the echoed 16-byte request header, then
        // NLMSGERR_ATTR_MSG "bad vf" and NLMSGERR_ATTR_OFFS.
        let mut payload = vec![32, 0, 0, 0, 19, 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0];
        payload.extend_from_slice(&[11, 0, 1, 0, b'b', b'a', b'd', b' ', b'v', b'f', 0, 0]);
        payload.extend_from_slice(&[8, 0, 2, 0, 20, 0, 0, 0]);

        let flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
        assert_eq!(from_error(flags, &payload).as_deref(), Some("bad vf"));
        assert_eq!(from_error(NLM_F_CAPPED, &payload), None);

        // Without NLM_F_CAPPED the whole 32-byte request is echoed before the TLVs.
        let mut uncapped = payload[..16].to_vec();
        uncapped.extend_from_slice(&[0; 16]);
        uncapped.extend_from_slice(&payload[16..]);
        assert_eq!(from_error(NLM_F_ACK_TLVS, &uncapped).as_deref(), Some("bad vf"));
    }

    #[test]
    fn done_message() {
        assert_eq!(from_done(0, TLVS), None);
        assert_eq!(from_done(NLM_F_ACK_TLVS, TLVS).as_deref(), Some(MESSAGE));
    }
}
