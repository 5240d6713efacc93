//! The orderings table for an eswitch mode change: where it goes relative to
//! the VF count, per driver, as each vendor documents it.
//!
//! - Default (NVIDIA ConnectX, mlx5, and drivers not listed): VFs first, then
//!   unbind their drivers, change the mode, build the bonds, bind the VFs
//!   back. This is the documented VF-LAG order and works on every mlx5
//!   kernel.
//! - Mode first (Intel E810, ice): "Changing eswitch mode is allowed only if
//!   there is no VFs created", so the VFs go to 0, the mode changes, and the
//!   VFs are created again, each with its representor.
//!
//! The default carries a fallback for drivers that turn out to behave like
//! ice: apply answers a refused mode change with VFs present by going through
//! 0 VFs around it (see [`Step::SetEswitchMode`]). No emulator offers mlx5 or
//! ice; both orders are tested against the fake kernel (src/apply/tests).

use super::Step;
use crate::discover::{Device, EswitchState};

/// Drivers whose eswitch mode changes only while the PF has no VFs.
const MODE_FIRST: &[&str] = &["ice"];

/// The PF's steps with the mode change placed, and the steps that run after
/// the bonds. `count` are the VF count steps already planned.
pub(super) fn steps(
    dev: &Device,
    want: u32,
    count: Vec<Step>,
    to: EswitchState,
) -> (Vec<Step>, Vec<Step>) {
    let from = dev.eswitch_mode;
    let have = dev.num_vfs.unwrap_or(0);

    if dev.driver.as_deref().is_some_and(|d| MODE_FIRST.contains(&d)) {
        let mut steps = Vec::new();
        if have > 0 {
            steps.push(Step::SetNumVfs { from: have, to: 0 });
        }
        steps.push(Step::SetEswitchMode { from, to, vfs: 0 });
        if want > 0 {
            steps.push(Step::SetNumVfs { from: 0, to: want });
        }
        return (steps, Vec::new());
    }

    // VFs bound to their drivers block the mode change on ConnectX; other
    // buses (netdevsim) have no VF drivers to unbind.
    let mut steps = count;
    let pci_vfs = dev.bus == "pci" && want > 0;
    if pci_vfs {
        steps.push(Step::UnbindVfs { for_mode: to });
    }
    steps.push(Step::SetEswitchMode { from, to, vfs: want });
    let after = if pci_vfs { vec![Step::BindVfs] } else { Vec::new() };
    (steps, after)
}
