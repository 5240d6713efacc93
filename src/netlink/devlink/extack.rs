//! The kernel's extended ack: the text a driver attaches to an error, such as why it refused
//! an eswitch mode change. It is the most useful part of a devlink failure, so it is kept.

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

    // Built by hand from include/uapi/linux/netlink.h (struct nlmsgerr, NLMSGERR_ATTR_*);
    // replace with a capture from netdevsim in the rig.
    const CAPPED_ERROR_AFTER_CODE: &[u8] = &[
        // echoed nlmsghdr: len 36, type 0x1a (a devlink family id), flags, seq, pid
        36, 0, 0, 0, 0x1a, 0, 0x05, 0, 1, 0, 0, 0, 0, 0, 0, 0,
        // NLMSGERR_ATTR_MSG "mode busy\0": len 14, padded to 16
        14, 0, 1, 0, b'm', b'o', b'd', b'e', b' ', b'b', b'u', b's', b'y', 0, 0, 0,
        // NLMSGERR_ATTR_OFFS u32 20
        8, 0, 2, 0, 20, 0, 0, 0,
    ];

    #[test]
    fn capped_error_message() {
        let flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
        let message = from_error(flags, CAPPED_ERROR_AFTER_CODE);
        assert_eq!(message.as_deref(), Some("mode busy"));
    }

    #[test]
    fn uncapped_error_skips_the_echoed_request() {
        // The echoed request is 20 bytes: its header plus a 4-byte genl header.
        let mut payload = CAPPED_ERROR_AFTER_CODE[..16].to_vec();
        payload[0] = 20;
        payload.extend_from_slice(&[30, 1, 0, 0]);
        payload.extend_from_slice(&CAPPED_ERROR_AFTER_CODE[16..]);

        let message = from_error(NLM_F_ACK_TLVS, &payload);
        assert_eq!(message.as_deref(), Some("mode busy"));
    }

    #[test]
    fn no_tlvs_flag_means_no_message() {
        assert_eq!(from_error(NLM_F_CAPPED, CAPPED_ERROR_AFTER_CODE), None);
        assert_eq!(from_done(0, &CAPPED_ERROR_AFTER_CODE[16..]), None);
        assert_eq!(
            from_done(NLM_F_ACK_TLVS, &CAPPED_ERROR_AFTER_CODE[16..]).as_deref(),
            Some("mode busy")
        );
    }
}
