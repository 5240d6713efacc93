//! Messages captured from a real kernel (Debian 6.12, netdevsim built from its
//! source) in the VM rig, by `tests/vm/run capture_devlink`: strace prints the
//! generic netlink payload (after the 16-byte nlmsghdr) of every message, in
//! hex. The device is netdevsim/netdevsim10 with 2 ports and 2 VFs.

/// Decodes fixture hex, split across lines for width.
pub(super) fn hex(parts: &[&str]) -> Vec<u8> {
    let text: String = parts.concat();
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

/// sriov-manager's own `devlink dev eswitch show netdevsim/netdevsim10` request.
pub(super) const ESWITCH_GET_REQUEST: &[&str] =
    &["1d0100000e0001006e657464657673696d000000100002006e65746465767369", "6d313000"];

/// The kernel's reply in legacy mode: netdevsim reports the mode only.
pub(super) const ESWITCH_GET_LEGACY: &[&str] = &[
    "1d0100000e0001006e657464657673696d000000100002006e65746465767369",
    "6d3130000600190000000000",
];

/// The kernel's reply after `devlink dev eswitch set ... mode switchdev`.
pub(super) const ESWITCH_GET_SWITCHDEV: &[&str] = &[
    "1d0100000e0001006e657464657673696d000000100002006e65746465767369",
    "6d3130000600190001000000",
];

/// `devlink port show` in switchdev mode, the kernel's four PORT_NEW replies:
/// the two physical ports, then the two VF representors.
pub(super) const PORT_PHYSICAL_0: &[&str] = &[
    "070100000e0001006e657464657673696d000000100002006e65746465767369",
    "6d3130000800030000000000060004000200000008000600040000000d000700",
    "656e6931306e703100000000050094000000000006004d000000000008004e00",
    "01000000",
];
pub(super) const PORT_PHYSICAL_1: &[&str] = &[
    "070100000e0001006e657464657673696d000000100002006e65746465767369",
    "6d3130000800030001000000060004000200000008000600050000000d000700",
    "656e6931306e703200000000050094000000000006004d000000000008004e00",
    "02000000",
];
pub(super) const PORT_VF_0: &[&str] = &[
    "070100000e0001006e657464657673696d000000100002006e65746465767369",
    "6d31300008000300800000000600040002000000080006000600000011000700",
    "656e6931306e70663076663000000000050094000000000006004d0004000000",
    "080096000000000006007f000000000006008000000000000500950000000000",
];
pub(super) const PORT_VF_1: &[&str] = &[
    "070100000e0001006e657464657673696d000000100002006e65746465767369",
    "6d31300008000300810000000600040002000000080006000700000011000700",
    "656e6931306e70663076663100000000050094000000000006004d0004000000",
    "080096000000000006007f000000000006008000010000000500950000000000",
];
