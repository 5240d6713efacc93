//! The errnos netlink and sysfs calls end in, by number and by name.

// Limitation: these are the asm-generic errno values (x86_64, aarch64, riscv64, ...);
// mips, sparc, alpha and parisc number some differently. Using libc's constants removes
// this once libc is a direct dependency.
pub const EPERM: i32 = 1;
pub const ENOENT: i32 = 2;
pub const EIO: i32 = 5;
pub const ENOMEM: i32 = 12;
pub const EACCES: i32 = 13;
pub const EBUSY: i32 = 16;
pub const EEXIST: i32 = 17;
pub const ENODEV: i32 = 19;
pub const EINVAL: i32 = 22;
pub const ENOSPC: i32 = 28;
pub const ERANGE: i32 = 34;
pub const EOPNOTSUPP: i32 = 95;
/// The kernel-internal ENOTSUPP. It should never reach user space, but some drivers return it
/// from devlink callbacks and devlink passes it through unchanged.
pub const ENOTSUPP: i32 = 524;

/// The name operators search for, e.g. `EBUSY`, for the errnos these calls commonly end in.
pub fn name(errno: i32) -> Option<&'static str> {
    let name = match errno {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EIO => "EIO",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENOSPC => "ENOSPC",
        ERANGE => "ERANGE",
        EOPNOTSUPP => "EOPNOTSUPP",
        ENOTSUPP => "ENOTSUPP",
        _ => return None,
    };
    Some(name)
}
