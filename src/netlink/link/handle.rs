//! The rtnetlink connection, and the one place link requests are sent.

use futures::StreamExt;
use netlink_packet_core::{
    NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST,
};
use netlink_packet_route::link::LinkMessage;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::AsyncSocket;
use tracing::{debug, trace};

use super::error::LinkError;
use crate::netlink::extack;

/// IFNAMSIZ - 1: the longest name the kernel gives an interface.
const MAX_NAME_LEN: usize = 15;

/// A connection to the kernel's rtnetlink. Clones share one socket and its connection
/// task, which ends when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct LinkHandle {
    handle: rtnetlink::Handle,
}

/// Which rtnetlink request a [`LinkMessage`] goes out as, and so with which flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rtm {
    /// RTM_GETLINK for one interface: the reply is one RTM_NEWLINK.
    Get,
    /// RTM_SETLINK on an existing interface.
    Set,
    /// RTM_NEWLINK on an existing interface; the only way to reach a kind's changelink.
    Change,
    /// RTM_NEWLINK that creates, failing with EEXIST when the name is taken.
    Create,
}

/// The netlink message `send` puts on the wire for `message`.
pub(super) fn netlink_request(
    rtm: Rtm,
    message: LinkMessage,
) -> NetlinkMessage<RouteNetlinkMessage> {
    let (payload, flags) = match rtm {
        Rtm::Get => (RouteNetlinkMessage::GetLink(message), NLM_F_REQUEST),
        Rtm::Set => (RouteNetlinkMessage::SetLink(message), NLM_F_REQUEST | NLM_F_ACK),
        Rtm::Change => (RouteNetlinkMessage::NewLink(message), NLM_F_REQUEST | NLM_F_ACK),
        Rtm::Create => {
            let flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
            (RouteNetlinkMessage::NewLink(message), flags)
        }
    };
    let mut request = NetlinkMessage::from(payload);
    request.header.flags = flags;
    request.finalize();
    request
}

/// Refuses names no interface can have, before the kernel answers them with ERANGE.
pub(super) fn check_name(name: &str, step: &str) -> Result<(), LinkError> {
    if name.is_empty() || name.len() > MAX_NAME_LEN || name.contains('\0') {
        return Err(LinkError::InvalidName { interface: name.to_owned(), step: step.to_owned() });
    }
    Ok(())
}

impl LinkHandle {
    /// Opens an rtnetlink socket; spawns its connection task on the current tokio runtime.
    pub async fn connect() -> Result<Self, LinkError> {
        let (connection, handle, _unsolicited) = rtnetlink::new_connection().map_err(|cause| {
            LinkError::Io { interface: None, step: "open rtnetlink socket".to_owned(), cause }
        })?;

        // Without extended acks only the errno survives, and the kernel's or driver's reason
        // for a refusal is lost. Kernels before 4.12 lack the options, which costs only that.
        let mut connection = connection;
        let socket = connection.socket_mut().socket_ref();
        if let Err(e) = socket.set_ext_ack(true).and_then(|()| socket.set_cap_ack(true)) {
            debug!(error = %e, "netlink extended acks unavailable; errors will lack the reason");
        }
        // netlink-proto swallows the kernel's ack of a change by default, so
        // a change's stream ends empty both when it succeeded and when the
        // connection died under it; with acks passed on, empty means dead.
        connection.set_forward_ack(true);
        tokio::spawn(connection);

        Ok(Self { handle })
    }

    /// Sends `message` as `rtm` and gathers the RTM_NEWLINK replies. `interface` and `step`
    /// only name the request in errors and traces.
    pub(super) async fn send(
        &self,
        rtm: Rtm,
        message: LinkMessage,
        interface: &str,
        step: &str,
    ) -> Result<Vec<LinkMessage>, LinkError> {
        let request = netlink_request(rtm, message);
        trace!(interface, step, ?request, "rtnetlink request");

        let mut handle = self.handle.clone();
        let mut replies = handle.request(request).map_err(|e| LinkError::Io {
            interface: Some(interface.to_owned()),
            step: step.to_owned(),
            cause: std::io::Error::other(e.to_string()),
        })?;

        // Every request is answered: the link, an error, or (acks are
        // forwarded, see connect) an ack. A stream that ends empty was cut
        // by its connection dying, and must not pass for success.
        let mut links = Vec::new();
        let mut answered = false;
        while let Some(reply) = replies.next().await {
            answered = true;
            trace!(interface, step, ?reply, "rtnetlink reply");
            let (header, payload) = reply.into_parts();
            match payload {
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(link)) => {
                    links.push(link);
                }
                NetlinkPayload::Error(e) => {
                    if let Some(code) = e.code {
                        return Err(LinkError::Kernel {
                            interface: interface.to_owned(),
                            step: step.to_owned(),
                            errno: code.get().saturating_abs(),
                            message: extack::from_error(header.flags, &e.header),
                        });
                    }
                }
                _ => {}
            }
        }
        if !answered {
            return Err(LinkError::Io {
                interface: Some(interface.to_owned()),
                step: step.to_owned(),
                cause: std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "the rtnetlink connection closed before the kernel answered",
                ),
            });
        }
        Ok(links)
    }

    /// A handle whose connection task is gone, as after a socket error: every
    /// request fails the way a dead connection's does.
    #[cfg(test)]
    pub(crate) fn disconnected() -> Self {
        let (connection, handle, _unsolicited) =
            rtnetlink::new_connection().expect("an rtnetlink socket");
        drop(connection);
        Self { handle }
    }

    /// Sends a request whose only answer is an ack.
    pub(super) async fn send_ack(
        &self,
        rtm: Rtm,
        message: LinkMessage,
        interface: &str,
        step: &str,
    ) -> Result<(), LinkError> {
        self.send(rtm, message, interface, step).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_names_are_refused_before_sending() {
        for name in ["", "sixteen-bytes-xx", "nul\0"] {
            let error = check_name(name, "show").unwrap_err();
            assert!(matches!(error, LinkError::InvalidName { .. }), "{name:?}");
            assert!(error.to_string().contains(": show: not a valid interface name"), "{error}");
        }
        assert!(check_name("fifteen-bytes-x", "show").is_ok());
    }
}
