//! udev events -> "this PF needs a look": the mapping and the coalescing.
//!
//! The monitor listens to the `pci` and `net` subsystems. Each event is mapped
//! to the PF it concerns (the PF itself, a VF through `physfn`, an interface
//! through the device it belongs to), or for a configured bond or one of its
//! slaves that belongs to no PF, to that bond; anything else is dropped
//! cheaply. Bursts are then coalesced per PF, so that 64 VFs appearing cause
//! one reconcile.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use udev::AsRaw;

use crate::config::Config;
use crate::discover::Device;
use crate::plan::BOND_BUS;
use crate::sys::DeviceKey;

/// The fields of a udev event that mapping needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UEvent {
    /// add, remove, change, bind, unbind, move
    pub action: String,
    /// pci or net
    pub subsystem: String,
    /// Path under /sys, e.g. `/devices/pci0000:00/0000:00:02.0/0000:01:00.0/net/enp1s0`.
    pub devpath: String,
}

/// What the last discovery saw, so that removals (whose sysfs directories are
/// already gone) can still be traced to their PF.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pfs: HashMap<String, DeviceKey>,
    vfs: HashMap<String, DeviceKey>,
    /// Configured bonds and their slaves, by interface name -> the bond.
    bonds: HashMap<String, DeviceKey>,
}

impl Known {
    pub fn from_devices(devices: &[Device]) -> Self {
        let mut known = Known::default();
        for d in devices {
            known.pfs.insert(d.address.clone(), d.key());
            for vf in &d.vfs {
                known.vfs.insert(vf.address.clone(), d.key());
            }
        }
        known
    }

    /// Also maps the configured bonds, and their slaves, to the bond.
    pub fn with_bonds(mut self, config: &Config) -> Self {
        for bc in &config.bond_configs {
            let key = DeviceKey::new(BOND_BUS, &bc.bond_name);
            for name in bc.slave_interfaces.iter().chain([&bc.bond_name]) {
                self.bonds.insert(name.clone(), key.clone());
            }
        }
        self
    }

    fn owner(&self, name: &str) -> Option<DeviceKey> {
        self.pfs.get(name).or_else(|| self.vfs.get(name)).cloned()
    }
}

/// Maps an event to the PF it concerns, reading sysfs under `root` where the
/// device still exists. `None` means the event is not ours.
pub fn map_event(ev: &UEvent, root: &Path, known: &Known) -> Option<DeviceKey> {
    map_to_device(ev, root, known).or_else(|| {
        // A bond, or a slave that is no PF's interface (a dummy, a VF, a
        // plain NIC): the bond is reconciled, so it is rebuilt or completed.
        let name = Path::new(&ev.devpath).file_name()?.to_str()?;
        (ev.subsystem == "net").then(|| known.bonds.get(name).cloned()).flatten()
    })
}

/// The PF behind a PCI or net event, if any.
fn map_to_device(ev: &UEvent, root: &Path, known: &Known) -> Option<DeviceKey> {
    let path = root.join(ev.devpath.trim_start_matches('/'));
    // A net interface's device is two levels up: DEVICE/net/IFNAME.
    let dev_dir = match ev.subsystem.as_str() {
        "pci" => path,
        "net" => path.parent()?.parent()?.to_path_buf(),
        _ => return None,
    };
    let name = dev_dir.file_name()?.to_str()?.to_string();

    if let Some(key) = known.owner(&name) {
        return Some(key);
    }
    if let Ok(target) = fs::read_link(dev_dir.join("physfn")) {
        let pf = target.file_name()?.to_str()?.to_string();
        return Some(known.owner(&pf).unwrap_or_else(|| DeviceKey::new("pci", pf)));
    }
    let bus = fs::read_link(dev_dir.join("subsystem")).ok()?.file_name()?.to_str()?.to_string();
    let marker = if bus == "pci" { "sriov_totalvfs" } else { "sriov_numvfs" };
    dev_dir.join(marker).exists().then(|| DeviceKey::new(bus, name))
}

/// Per-PF settle windows: a PF is due once no event touched it for `settle`,
/// or `max_delay` after its first event, whichever comes first, so a steady
/// stream of events cannot postpone it forever.
///
/// A PF that the daemon changed mostly hears the echo of its own writes: VFs
/// probing, udev renaming their interfaces. Those trickle in for as long as
/// udev takes (64 representors under emulation: over 3 s, an event every
/// 10-50 ms), so they are gathered with the longer [`ECHO_SETTLE`] and
/// [`ECHO_MAX_DELAY`]. The echo lasts while its events keep coming: an event
/// within [`ECHO_WINDOW`] of the change, or of the echo's previous event, is
/// echo too. Gaps between them can still outlast the settle window when udev's
/// workers are slow, so an echo is not due while udev has events in hand.
/// A PF nobody touched answers its first event after `settle`.
#[derive(Debug)]
pub struct Coalescer {
    settle: Duration,
    max_delay: Duration,
    pending: HashMap<DeviceKey, Burst>,
    /// PFs in their echo: when they were changed, or last heard from since.
    echo: HashMap<DeviceKey, Instant>,
}

/// How long after a change, or after the echo's last event, a PF's events
/// count as its echo.
pub const ECHO_WINDOW: Duration = Duration::from_secs(3);

/// The settle window for echoes.
pub const ECHO_SETTLE: Duration = Duration::from_millis(300);

/// The longest an echo's events are gathered before a reconcile all the same.
pub const ECHO_MAX_DELAY: Duration = Duration::from_secs(10);

/// The events one PF received since its last reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Burst {
    pub first: Instant,
    pub deadline: Instant,
    pub events: usize,
    /// Its last event was the echo of the daemon's own change.
    pub echo: bool,
}

/// udevd keeps this file while it has events queued or in flight; libudev's
/// `udev_queue_get_queue_is_empty` is this same check.
pub const UDEV_QUEUE: &str = "/run/udev/queue";

/// Whether udevd still has events to pass on.
pub fn udev_busy() -> bool {
    Path::new(UDEV_QUEUE).exists()
}

impl Coalescer {
    pub fn new(settle: Duration, max_delay: Duration) -> Self {
        Coalescer { settle, max_delay, pending: HashMap::new(), echo: HashMap::new() }
    }

    /// Records an event for `key` at `now`.
    pub fn note(&mut self, key: DeviceKey, now: Instant) {
        self.echo.retain(|_, at| now.duration_since(*at) < ECHO_WINDOW);
        let echo = match self.echo.get_mut(&key) {
            Some(last) => {
                *last = now;
                true
            }
            None => false,
        };
        let (settle, max_delay) = self.windows(echo);
        let b =
            self.pending.entry(key).or_insert(Burst { first: now, deadline: now, events: 0, echo });
        b.events += 1;
        b.echo = echo;
        b.deadline = (now + settle).min(b.first + max_delay);
    }

    fn windows(&self, echo: bool) -> (Duration, Duration) {
        if echo {
            (ECHO_SETTLE.max(self.settle), ECHO_MAX_DELAY.max(self.max_delay))
        } else {
            (self.settle, self.max_delay)
        }
    }

    /// Records that the daemon changed `key` at `now`: its echo begins.
    pub fn changed(&mut self, key: DeviceKey, now: Instant) {
        self.echo.insert(key, now);
    }

    /// When the next PF falls due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending.values().map(|b| b.deadline).min()
    }

    /// Removes and returns the PFs due at `now`, in a stable order. While
    /// `udev_busy`, an echo waits another settle window (up to its max delay).
    pub fn take_due(&mut self, now: Instant, udev_busy: bool) -> Vec<(DeviceKey, Burst)> {
        let (settle, max_delay) = self.windows(true);
        for b in self.pending.values_mut() {
            if b.echo && udev_busy && b.deadline <= now && now < b.first + max_delay {
                b.deadline = (now + settle).min(b.first + max_delay);
            }
        }
        let mut due: Vec<(DeviceKey, Burst)> = self
            .pending
            .iter()
            .filter(|(_, b)| b.deadline <= now)
            .map(|(k, b)| (k.clone(), *b))
            .collect();
        due.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, _) in &due {
            self.pending.remove(k);
        }
        due
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

/// The udev monitor's receive buffer: room for about 10,000 queued events.
const RECEIVE_BUFFER: i32 = 16 << 20;

/// The udev monitor socket, registered with tokio.
pub struct Monitor {
    socket: AsyncFd<SocketFd>,
}

struct SocketFd(udev::MonitorSocket);

impl AsRawFd for SocketFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl Monitor {
    /// Subscribes to pci and net events. Call before the first discovery, so
    /// that nothing between discovery and subscription is lost.
    pub fn open() -> io::Result<Monitor> {
        let builder = udev::MonitorBuilder::new()?;
        let socket = builder.match_subsystem("pci")?.match_subsystem("net")?.listen()?;

        // While a reconcile runs the loop reads no events, and 64 new VFs make
        // hundreds of them; the default socket buffer (~200 KiB) would drop
        // some. The kernel allocates only what is queued, so a large cap is cheap.
        // SAFETY: as_raw returns the monitor that `socket` owns and keeps alive;
        // the call only sets the receive buffer size of its socket.
        let rc = unsafe {
            udev::ffi::udev_monitor_set_receive_buffer_size(socket.as_raw(), RECEIVE_BUFFER)
        };
        if rc < 0 {
            let e = io::Error::from_raw_os_error(-rc);
            tracing::warn!(
                "udev monitor: cannot enlarge the receive buffer ({e}); bursts may lose events"
            );
        }

        // SAFETY: the fd belongs to the udev monitor that SocketFd owns; it
        // stays open, and as_raw_fd returns the same fd, until the AsyncFd
        // (and with it the monitor) is dropped.
        let socket =
            unsafe { AsyncFd::register_with_interest(SocketFd(socket), Interest::READABLE) }
                .map_err(io::Error::from)?;
        Ok(Monitor { socket })
    }

    /// Waits for the socket to be readable, then drains every queued event.
    pub async fn next_batch(&mut self) -> io::Result<Vec<UEvent>> {
        loop {
            let mut guard = self.socket.readable_mut().await?;
            let batch: Vec<UEvent> = guard.get_inner().0.iter().map(|e| to_uevent(&e)).collect();
            guard.clear_ready();
            if !batch.is_empty() {
                return Ok(batch);
            }
        }
    }
}

fn to_uevent(e: &udev::Event) -> UEvent {
    let text = |s: Option<&std::ffi::OsStr>| {
        s.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
    };
    UEvent {
        action: text(e.action()),
        subsystem: text(e.subsystem()),
        devpath: text(Some(e.devpath())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(a: &str) -> DeviceKey {
        DeviceKey::new("pci", a)
    }

    impl Coalescer {
        /// `take_due` with udev's queue empty.
        fn take_due_idle(&mut self, now: Instant) -> Vec<(DeviceKey, Burst)> {
            self.take_due(now, false)
        }
    }

    #[test]
    fn a_burst_becomes_one_due_pf_after_the_settle_window() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut c = Coalescer::new(ms(20), ms(1000));
        for i in 0..300 {
            c.note(key("a"), t0 + ms(i / 10));
        }
        c.note(key("b"), t0);
        assert_eq!(c.next_deadline(), Some(t0 + ms(20)));
        let keys =
            |due: Vec<(DeviceKey, Burst)>| due.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
        assert_eq!(keys(c.take_due_idle(t0 + ms(20))), [key("b")]);
        assert!(c.take_due_idle(t0 + ms(48)).is_empty(), "a is still settling");
        let due = c.take_due_idle(t0 + ms(49));
        assert_eq!(due[0].1, Burst { first: t0, deadline: t0 + ms(49), events: 300, echo: false });
        assert!(c.is_empty() && c.next_deadline().is_none());
    }

    #[test]
    fn the_echo_of_our_own_change_settles_longer() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut c = Coalescer::new(ms(20), ms(2000));
        c.changed(key("a"), t0);
        c.note(key("a"), t0 + ms(10));
        c.note(key("b"), t0 + ms(10));
        assert_eq!(c.next_deadline(), Some(t0 + ms(30)), "b was not changed: the short window");
        assert_eq!(c.take_due_idle(t0 + ms(30)).len(), 1);
        assert_eq!(c.next_deadline(), Some(t0 + ms(10) + ECHO_SETTLE));
        c.take_due_idle(t0 + ms(10) + ECHO_SETTLE);

        // The echo's last event, at 10 ms, opened the window anew.
        let later = t0 + ms(10) + ECHO_WINDOW + ms(1);
        c.note(key("a"), later);
        assert_eq!(c.next_deadline(), Some(later + ms(20)), "the echo window is over");
    }

    #[test]
    fn an_echo_that_trickles_for_seconds_is_one_burst() {
        // 64 representors renamed by udev under emulation: an event every 40
        // ms for 5 s, longer than max_delay, with gaps longer than `settle`.
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut c = Coalescer::new(ms(20), ms(2000));
        c.changed(key("a"), t0);
        let mut reconciles = 0;
        for i in 1..=125 {
            let now = t0 + ms(i * 40);
            reconciles += c.take_due_idle(now).len();
            c.note(key("a"), now);
        }
        assert_eq!(reconciles, 0, "the echo was cut while it went on");
        assert_eq!(c.next_deadline(), Some(t0 + ms(5000) + ECHO_SETTLE));

        // An echo that never ends is still reconciled, ECHO_MAX_DELAY after it began.
        let mut c = Coalescer::new(ms(20), ms(2000));
        c.changed(key("a"), t0);
        for i in 1..=500 {
            c.note(key("a"), t0 + ms(i * 40));
        }
        assert_eq!(c.next_deadline(), Some(t0 + ms(40) + ECHO_MAX_DELAY));
    }

    #[test]
    fn an_echo_waits_for_udev_and_an_outside_event_does_not() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut c = Coalescer::new(ms(20), ms(2000));
        c.changed(key("a"), t0);
        c.note(key("a"), t0);
        c.note(key("b"), t0);

        let settled = t0 + ECHO_SETTLE;
        let due = c.take_due(settled, true);
        assert_eq!(due.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(), [key("b")]);
        assert_eq!(c.next_deadline(), Some(settled + ECHO_SETTLE), "a waits one more window");

        // Not past ECHO_MAX_DELAY, however long udev stays busy.
        let mut now = settled;
        let mut rounds = 0;
        while c.take_due(now, true).is_empty() {
            now = c.next_deadline().unwrap();
            rounds += 1;
        }
        assert_eq!(now, t0 + ECHO_MAX_DELAY);
        assert!(rounds > 1, "re-armed once a settle window: {rounds} rounds");

        // Once udev is idle, the echo is due at its settle window.
        c.note(key("a"), now);
        assert_eq!(c.take_due(now + ECHO_SETTLE, false).len(), 1);
    }

    #[tokio::test]
    async fn the_monitor_opens_and_passes_only_pci_and_net() {
        // Any Linux kernel has the uevent netlink family, even without udevd.
        let mut m = Monitor::open().expect("udev monitor");
        match tokio::time::timeout(Duration::from_millis(50), m.next_batch()).await {
            Err(_) => {} // the usual case: nothing happened, and nothing spun
            Ok(Ok(batch)) => {
                assert!(batch.iter().all(|e| e.subsystem == "pci" || e.subsystem == "net"))
            }
            Ok(Err(e)) => panic!("reading the monitor failed: {e}"),
        }
    }

    #[test]
    fn a_steady_stream_cannot_postpone_a_pf_past_max_delay() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut c = Coalescer::new(ms(20), ms(100));
        for i in 0..50 {
            c.note(key("a"), t0 + ms(i * 10));
        }
        assert_eq!(c.next_deadline(), Some(t0 + ms(100)));
    }
}
