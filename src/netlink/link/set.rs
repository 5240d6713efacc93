//! `ip link set`: up, down, and enslaving to a bond.

use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use tracing::debug;

use super::handle::{check_name, LinkHandle, Rtm};
use super::LinkError;

/// RTM_SETLINK that sets or clears IFF_UP on the interface named `name`.
pub(super) fn set_up_message(name: &str, up: bool) -> LinkMessage {
    let mut message = LinkMessage::default();
    message.header.flags = if up { LinkFlags::Up } else { LinkFlags::empty() };
    message.header.change_mask = LinkFlags::Up;
    message.attributes.push(LinkAttribute::IfName(name.to_owned()));
    message
}

/// RTM_SETLINK that sets IFLA_MASTER of interface `index` to `master` (an ifindex).
pub(super) fn set_master_message(index: u32, master: u32) -> LinkMessage {
    let mut message = LinkMessage::default();
    message.header.index = index;
    message.attributes.push(LinkAttribute::Controller(master));
    message
}

impl LinkHandle {
    /// `ip link set dev NAME up`
    pub async fn set_up(&self, name: &str) -> Result<(), LinkError> {
        const STEP: &str = "set up";
        check_name(name, STEP)?;
        self.send_ack(Rtm::Set, set_up_message(name, true), name, STEP).await
    }

    /// `ip link set dev SLAVE down` then `ip link set dev SLAVE master BOND`
    /// (the kernel refuses to enslave an interface that is up, EPERM).
    ///
    /// Both are read first: a slave already in `bond` is left alone (not even taken down),
    /// and one that is down is not set down again. The bonding driver opens the slave
    /// itself while enslaving it, so the slave ends up up; the bond need not be up. A slave
    /// of another master is moved, the kernel releasing it from the old one first.
    pub async fn enslave(&self, slave: &str, bond: &str) -> Result<(), LinkError> {
        let step = format!("enslave to {bond}");
        check_name(slave, &step)?;
        check_name(bond, &format!("enslave {slave}"))?;

        let current = self.get_existing(slave, &step).await?;
        let master = self.get_existing(bond, &format!("enslave {slave}")).await?;
        if current.master == Some(master.index) {
            debug!(interface = slave, bond, "already enslaved to the bond; nothing to do");
            return Ok(());
        }

        if current.up {
            let step = format!("set down to enslave it to {bond}");
            self.send_ack(Rtm::Set, set_up_message(slave, false), slave, &step).await?;
        }

        let message = set_master_message(current.index, master.index);
        self.send_ack(Rtm::Set, message, slave, &step).await
    }
}
