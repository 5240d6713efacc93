//! [`Net`]: the netlink operations that apply performs, behind one trait so that
//! tests swap in [`super::fault::FakeNet`] and fail any call with any errno.
//!
//! [`Kernel`] is the real implementation. It opens its devlink and rtnetlink
//! sockets on first use, so a host that never asks for switchdev, bonds or VF
//! settings never opens them, and opens them again after a connection died.

use std::future::Future;
use std::sync::Mutex;

use async_trait::async_trait;

use super::devlink::{DevlinkError, DevlinkHandle, EswitchMode};
use super::errno::{EINVAL, ENODEV, ENOTSUPP, EOPNOTSUPP};
use super::link::{Link, LinkError, LinkHandle, VfChange, VfState};

/// Why a netlink call failed.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error(transparent)]
    Devlink(#[from] DevlinkError),
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The kernel answered with an errno (used by fault injection and fakes).
    #[error("{message}")]
    Errno { errno: i32, message: String },
    /// No netlink here: the CLI was pointed at a sysfs tree that is not the
    /// running kernel's, so the kernel must not be asked about its devices.
    #[error("netlink is not used with a sysfs root other than /sys")]
    Offline,
}

impl NetError {
    /// The kernel's positive errno, when it refused the request.
    pub fn errno(&self) -> Option<i32> {
        match self {
            NetError::Devlink(e) => e.errno(),
            NetError::Link(e) => e.errno(),
            NetError::Errno { errno, .. } => Some(*errno),
            NetError::Offline => None,
        }
    }

    /// The device has no devlink eswitch (or the kernel no devlink at all).
    pub fn is_not_supported(&self) -> bool {
        match self {
            NetError::Devlink(e) => e.is_not_supported(),
            // As DevlinkError counts them.
            NetError::Errno { errno, .. } => {
                matches!(*errno, ENODEV | EINVAL | EOPNOTSUPP | ENOTSUPP)
            }
            NetError::Link(_) => false,
            NetError::Offline => true,
        }
    }
}

/// The netlink operations sriov-manager performs. Devices are named by bus and
/// address (devlink's handle), interfaces by name.
#[async_trait]
pub trait Net: Send + Sync + 'static {
    /// `devlink dev eswitch show BUS/ADDRESS`
    async fn eswitch_mode(&self, bus: &str, address: &str) -> Result<EswitchMode, NetError>;

    /// `devlink dev eswitch set BUS/ADDRESS mode MODE`
    async fn set_eswitch_mode(
        &self,
        bus: &str,
        address: &str,
        mode: EswitchMode,
    ) -> Result<(), NetError>;

    /// `ip link show dev NAME`; `None` when there is no such interface.
    async fn link(&self, name: &str) -> Result<Option<Link>, NetError>;

    /// The VF table of a PF interface (`ip link show dev PF`).
    async fn vfs(&self, pf: &str) -> Result<Vec<VfState>, NetError>;

    /// `ip link set dev PF vf N ...`
    async fn set_vf(&self, pf: &str, vf: u32, change: &VfChange) -> Result<(), NetError>;

    /// `ip link add NAME type bond mode MODE miimon MS`
    async fn add_bond(&self, name: &str, mode: u8, miimon: u32) -> Result<(), NetError>;

    /// `ip link set dev NAME type bond miimon MS`
    async fn set_bond_miimon(&self, name: &str, miimon: u32) -> Result<(), NetError>;

    /// `ip link set dev NAME type bond mode MODE` (down, without slaves only)
    async fn set_bond_mode(&self, name: &str, mode: u8) -> Result<(), NetError>;

    /// `ip link set dev SLAVE down; ip link set dev SLAVE master BOND`
    async fn enslave(&self, slave: &str, bond: &str) -> Result<(), NetError>;

    /// `ip link set dev NAME up`
    async fn set_up(&self, name: &str) -> Result<(), NetError>;
}

/// The running kernel.
///
/// A netlink connection is a socket and a task that reads it; a socket error
/// (ENOBUFS when replies overflow the receive buffer, say) ends the task, and
/// every later request on that connection fails. The daemon lives for months,
/// so a request that finds its connection dead drops it, and the next one
/// opens a new socket. The failed request is reported like any other and
/// retried with its device's backoff.
#[derive(Default)]
pub struct Kernel {
    devlink: Connection<DevlinkHandle>,
    link: Connection<LinkHandle>,
}

impl Kernel {
    pub fn new() -> Self {
        Kernel::default()
    }

    async fn devlink<T, Fut>(&self, request: impl FnOnce(DevlinkHandle) -> Fut) -> NetResult<T>
    where
        Fut: Future<Output = Result<T, DevlinkError>>,
    {
        self.devlink.request(DevlinkHandle::connect, request).await
    }

    async fn rtnl<T, Fut>(&self, request: impl FnOnce(LinkHandle) -> Fut) -> NetResult<T>
    where
        Fut: Future<Output = Result<T, LinkError>>,
    {
        self.link.request(LinkHandle::connect, request).await
    }
}

type NetResult<T> = Result<T, NetError>;

/// Errors that may mean the connection itself is dead.
trait SocketFailure {
    fn is_socket_failure(&self) -> bool;
}

impl SocketFailure for DevlinkError {
    fn is_socket_failure(&self) -> bool {
        matches!(self, DevlinkError::Io { .. })
    }
}

impl SocketFailure for LinkError {
    fn is_socket_failure(&self) -> bool {
        matches!(self, LinkError::Io { .. })
    }
}

/// One netlink connection, opened on first use. Handles are clones sharing
/// the socket; the connection task ends when the last clone is dropped.
struct Connection<H>(Mutex<Option<H>>);

impl<H> Default for Connection<H> {
    fn default() -> Self {
        Connection(Mutex::new(None))
    }
}

impl<H: Clone> Connection<H> {
    /// Runs `request` on the open connection or a new one, and drops the
    /// connection if the request failed at the socket level.
    async fn request<T, E, Connected, Fut>(
        &self,
        connect: impl FnOnce() -> Connected,
        request: impl FnOnce(H) -> Fut,
    ) -> NetResult<T>
    where
        E: SocketFailure + std::fmt::Display + Into<NetError>,
        Connected: Future<Output = Result<H, E>>,
        Fut: Future<Output = Result<T, E>>,
    {
        let handle = self.get(connect).await.map_err(Into::into)?;
        let result = request(handle).await;
        match &result {
            Err(e) if e.is_socket_failure() => self.drop_broken(e),
            _ => {}
        }
        result.map_err(Into::into)
    }

    /// The open connection, or a new one. Two callers that both find none
    /// may both connect; the later one is kept and the other handle's
    /// connection ends once its request is done.
    async fn get<E, Fut>(&self, connect: impl FnOnce() -> Fut) -> Result<H, E>
    where
        Fut: Future<Output = Result<H, E>>,
    {
        if let Some(handle) = self.lock().as_ref() {
            return Ok(handle.clone());
        }
        let handle = connect().await?;
        *self.lock() = Some(handle.clone());
        Ok(handle)
    }

    /// Forgets the connection after a request failed at the socket level.
    fn drop_broken(&self, why: &dyn std::fmt::Display) {
        if self.lock().take().is_some() {
            tracing::warn!("{why}; the next request opens a new netlink connection");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<H>> {
        // The slot holds a handle or nothing: valid even if a holder panicked.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl Net for Kernel {
    async fn eswitch_mode(&self, bus: &str, address: &str) -> Result<EswitchMode, NetError> {
        self.devlink(|h| async move { Ok(h.eswitch().get(bus, address).execute().await?.mode) })
            .await
    }

    async fn set_eswitch_mode(
        &self,
        bus: &str,
        address: &str,
        mode: EswitchMode,
    ) -> Result<(), NetError> {
        self.devlink(|h| async move { h.eswitch().set(bus, address).mode(mode).execute().await })
            .await
    }

    async fn link(&self, name: &str) -> Result<Option<Link>, NetError> {
        self.rtnl(|h| async move { h.get(name).await }).await
    }

    async fn vfs(&self, pf: &str) -> Result<Vec<VfState>, NetError> {
        self.rtnl(|h| async move { h.vfs(pf).await }).await
    }

    async fn set_vf(&self, pf: &str, vf: u32, change: &VfChange) -> Result<(), NetError> {
        self.rtnl(|h| async move { h.set_vf(pf, vf, change).await }).await
    }

    async fn add_bond(&self, name: &str, mode: u8, miimon: u32) -> Result<(), NetError> {
        self.rtnl(|h| async move { h.add_bond(name, mode, miimon).await }).await
    }

    async fn set_bond_miimon(&self, name: &str, miimon: u32) -> Result<(), NetError> {
        self.rtnl(|h| async move { h.set_bond_miimon(name, miimon).await }).await
    }

    async fn set_bond_mode(&self, name: &str, mode: u8) -> Result<(), NetError> {
        self.rtnl(|h| async move { h.set_bond_mode(name, mode).await }).await
    }

    async fn enslave(&self, slave: &str, bond: &str) -> Result<(), NetError> {
        self.rtnl(|h| async move { h.enslave(slave, bond).await }).await
    }

    async fn set_up(&self, name: &str) -> Result<(), NetError> {
        self.rtnl(|h| async move { h.set_up(name).await }).await
    }
}

/// For a sysfs tree that is not the running kernel's: every call answers
/// [`NetError::Offline`], so nothing is asked of the real kernel about
/// devices that only exist in a test fixture.
pub struct Offline;

#[async_trait]
impl Net for Offline {
    async fn eswitch_mode(&self, _: &str, _: &str) -> Result<EswitchMode, NetError> {
        Err(NetError::Offline)
    }
    async fn set_eswitch_mode(&self, _: &str, _: &str, _: EswitchMode) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn link(&self, _: &str) -> Result<Option<Link>, NetError> {
        Err(NetError::Offline)
    }
    async fn vfs(&self, _: &str) -> Result<Vec<VfState>, NetError> {
        Err(NetError::Offline)
    }
    async fn set_vf(&self, _: &str, _: u32, _: &VfChange) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn add_bond(&self, _: &str, _: u8, _: u32) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn set_bond_miimon(&self, _: &str, _: u32) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn set_bond_mode(&self, _: &str, _: u8) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn enslave(&self, _: &str, _: &str) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
    async fn set_up(&self, _: &str) -> Result<(), NetError> {
        Err(NetError::Offline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host's own rtnetlink, which every kernel has: `lo` exists.
    #[tokio::test]
    async fn a_dead_rtnetlink_connection_is_replaced_on_the_next_request() {
        let kernel = Kernel::new();
        *kernel.link.lock() = Some(LinkHandle::disconnected());

        let error = kernel.link("lo").await.unwrap_err();
        assert!(matches!(error, NetError::Link(LinkError::Io { .. })), "{error:?}");
        assert!(error.to_string().starts_with("lo: show: "), "names the interface: {error}");
        assert!(kernel.link.lock().is_none(), "the dead connection is dropped");

        let lo = kernel.link("lo").await.expect("a new connection answers");
        assert_eq!(lo.expect("lo exists").name, "lo");
        assert!(kernel.link.lock().is_some(), "and is kept for the next request");
    }

    /// The kernel's ack of a change is the change's whole answer; it must not
    /// pass for a connection that died. Setting `lo` up, which it already is,
    /// changes nothing; without CAP_NET_ADMIN the kernel refuses it instead.
    #[tokio::test]
    async fn an_acknowledged_change_succeeds_on_a_live_connection() {
        let kernel = Kernel::new();
        match kernel.set_up("lo").await {
            Ok(()) => {}
            Err(e) if e.errno() == Some(crate::netlink::errno::EPERM) => {}
            Err(e) => panic!("set lo up: {e}"),
        }
        assert!(kernel.link.lock().is_some());
    }

    #[tokio::test]
    async fn a_kernel_refusal_keeps_the_connection() {
        let kernel = Kernel::new();
        let missing = kernel.link("no-such-if0").await.expect("a missing link is no error");
        assert!(missing.is_none());
        let error = kernel.set_up("no-such-if0").await.unwrap_err();
        assert!(error.errno().is_some(), "the kernel refused: {error}");
        assert!(kernel.link.lock().is_some(), "a refusal says nothing about the socket");
    }
}
