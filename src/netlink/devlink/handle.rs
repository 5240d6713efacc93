//! The connection to the kernel's devlink family, and the one place requests are sent.

use futures::StreamExt;
use genetlink::{GenetlinkError, GenetlinkHandle};
use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_generic::GenlMessage;
use netlink_sys::AsyncSocket;
use tracing::{debug, trace};

use super::dev::DevGetRequest;
use super::eswitch::EswitchHandle;
use super::message::DevlinkMessage;
use super::port::PortGetRequest;
use super::DevlinkError;
use crate::netlink::extack;

/// A connection to devlink. Clones share one socket and its connection task, which ends
/// when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct DevlinkHandle {
    genl: GenetlinkHandle,
}

impl DevlinkHandle {
    /// Opens a generic-netlink socket, spawns its connection task on the current tokio
    /// runtime, and checks that the kernel has the devlink family by resolving its id.
    pub async fn connect() -> Result<Self, DevlinkError> {
        let (mut connection, genl, _unsolicited) =
            genetlink::new_connection().map_err(|cause| DevlinkError::Io {
                device: None,
                step: "open generic netlink socket",
                cause,
            })?;

        // Without extended acks only the errno survives, and the driver's reason for a
        // refusal is lost. Kernels before 4.12 lack the options, which costs only the text.
        let socket = connection.socket_mut().socket_ref();
        if let Err(e) = socket.set_ext_ack(true).and_then(|()| socket.set_cap_ack(true)) {
            debug!(error = %e, "netlink extended acks unavailable; errors will lack the reason");
        }

        // A dump that fails half-way reports the errno in NLMSG_DONE, which netlink-proto
        // drops by default; the reply stream would just end and the failure go unseen.
        connection.set_forward_done(true);
        // Likewise the ack of a set: without it, a set whose connection died
        // under it would end as quietly as one that succeeded.
        connection.set_forward_ack(true);
        tokio::spawn(connection);

        let handle = Self { genl };
        handle.genl.resolve_family::<DevlinkMessage>().await.map_err(|e| match e {
            GenetlinkError::NetlinkError(e) if e.kind() == std::io::ErrorKind::NotFound => {
                DevlinkError::FamilyMissing
            }
            other => io_error(None, "resolve the devlink family", other),
        })?;
        Ok(handle)
    }

    /// Devices: `devlink dev show`.
    pub fn dev(&self) -> DevGetRequest {
        DevGetRequest::new(self.clone())
    }

    /// Eswitch mode of a device: `devlink dev eswitch show|set`.
    pub fn eswitch(&self) -> EswitchHandle {
        EswitchHandle::new(self.clone())
    }

    /// Ports: `devlink port show`.
    pub fn port(&self) -> PortGetRequest {
        PortGetRequest::new(self.clone())
    }

    /// Sends `request` with the netlink `flags` its `execute()` chose and gathers the
    /// replies. `device` and `step` only name the request in errors and traces.
    pub(super) async fn send(
        &self,
        request: DevlinkMessage,
        flags: u16,
        device: &str,
        step: &'static str,
    ) -> Result<Vec<DevlinkMessage>, DevlinkError> {
        let mut message = NetlinkMessage::from(GenlMessage::from_payload(request));
        message.header.flags = flags;
        trace!(device, step, ?message, "devlink request");

        let mut genl = self.genl.clone();
        let mut replies = genl.request(message).await.map_err(|e| match e {
            GenetlinkError::NetlinkError(e) if e.kind() == std::io::ErrorKind::NotFound => {
                DevlinkError::FamilyMissing
            }
            other => io_error(Some(device), step, other),
        })?;

        // Every request is answered: a reply, an error, a dump's DONE or a
        // set's ack (both forwarded, see connect). A stream that ends empty
        // was cut by its connection dying, and must not pass for success.
        let mut messages = Vec::new();
        let mut answered = false;
        while let Some(reply) = replies.next().await {
            answered = true;
            let reply = reply.map_err(|cause| DevlinkError::Decode {
                device: device.to_owned(),
                step,
                cause,
            })?;
            trace!(device, step, ?reply, "devlink reply");

            let (header, payload) = reply.into_parts();
            match payload {
                NetlinkPayload::InnerMessage(genl) => messages.push(genl.payload),
                NetlinkPayload::Error(e) => {
                    if let Some(code) = e.code {
                        let message = extack::from_error(header.flags, &e.header);
                        return Err(kernel_error(device, step, code.get(), message));
                    }
                }
                NetlinkPayload::Done(done) if done.code < 0 => {
                    let message = extack::from_done(header.flags, &done.extended_ack);
                    return Err(kernel_error(device, step, done.code, message));
                }
                _ => {}
            }
        }
        if !answered {
            let cause = std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "the devlink connection closed before the kernel answered",
            );
            return Err(DevlinkError::Io { device: Some(device.to_owned()), step, cause });
        }
        Ok(messages)
    }
}

fn kernel_error(
    device: &str,
    step: &'static str,
    code: i32,
    message: Option<String>,
) -> DevlinkError {
    DevlinkError::Kernel { device: device.to_owned(), step, errno: code.saturating_abs(), message }
}

fn io_error(device: Option<&str>, step: &'static str, error: GenetlinkError) -> DevlinkError {
    let cause = match error {
        GenetlinkError::NetlinkError(e) => e,
        // genetlink's own message hides the reason (e.g. "the netlink connection is
        // closed") in its source, so the chain is spelled out.
        GenetlinkError::ProtocolError(e) => std::io::Error::other(e.to_string()),
        other => std::io::Error::other(other.to_string()),
    };
    DevlinkError::Io { device: device.map(str::to_owned), step, cause }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// This host's kernel has no devlink family; a kernel with one (the QEMU rig) connects.
    /// Either way the answer must come quickly and be one of those two.
    #[tokio::test]
    async fn connect_answers_within_five_seconds() {
        let result = tokio::time::timeout(Duration::from_secs(5), DevlinkHandle::connect())
            .await
            .expect("connect() hung for 5 s");

        match result {
            Ok(_) | Err(DevlinkError::FamilyMissing) => {}
            Err(e) => panic!("connect() failed unclearly: {e}"),
        }
    }
}
