# shellcheck shell=bash
# Guest root file system: a minimal Debian 12 with systemd, packed whole into an
# uncompressed newc cpio that the kernel unpacks as its initramfs. Sourced by
# tests/vm/run. Everything the rig itself puts in the guest lives in the
# per-boot overlay instead, so that editing the rig does not rebuild this.

rootfs_pkgs=systemd,systemd-sysv,udev,iproute2,kmod,pciutils,ethtool,procps,jq,strace

# rootfs_bootstrap WORK: debootstrap into WORK/rootfs. It downloads and unpacks
# for about a minute, so tests/vm/run starts it beside the kernel build.
rootfs_bootstrap() {
    local work=$1 attempt
    say "rootfs: debootstrap bookworm minbase (+$rootfs_pkgs)"
    # debootstrap has no download retries of its own, and one dropped download
    # fails it: it gets three tries, each from an empty directory.
    for attempt in 1 2 3; do
        rm -rf "$work/rootfs"
        # pipefail (set by tests/vm/run) makes the pipeline fail when debootstrap does.
        debootstrap --variant=minbase --include="$rootfs_pkgs" bookworm "$work/rootfs" \
            "$(bookworm_mirror)" 2>&1 | mask_hosts >"$work/debootstrap.log" && return 0
        cp "$work/debootstrap.log" "$work/debootstrap.$attempt.log"
        say "rootfs: debootstrap failed (try $attempt of 3); see $work/debootstrap.$attempt.log"
    done
    die "rootfs: debootstrap failed three times; see $work/debootstrap.*.log"
}

# rootfs_pack OUT WORK MODROOT: configures WORK/rootfs, adds the modules, and
# leaves OUT/base.cpio.
rootfs_pack() {
    local out=$1 work=$2 modroot=$3
    local r=$work/rootfs

    _rootfs_configure "$r"
    cp -a "$modroot/lib/modules" "$r/usr/lib/"

    say "rootfs: packing base.cpio"
    (cd "$r" && find . -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc --quiet) >"$out/base.cpio" ||
        die "rootfs: cpio of $r failed"
}

_rootfs_configure() {
    local r=$1

    # The guest has no network; these would also name the mirror.
    rm -f "$r/etc/apt/sources.list" "$r/var/log/bootstrap.log"
    rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb
    rm -rf "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/*
    find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'C.*' -exec rm -rf {} +

    echo rig >"$r/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 rig\n::1 localhost\n' >"$r/etc/hosts"
    : >"$r/etc/machine-id"

    # On-demand loading (ip link add type bond/dummy) must not add bond0 or
    # dummy0 behind the scenarios' backs.
    printf 'options bonding max_bonds=0\noptions dummy numdummies=0\n' \
        >"$r/etc/modprobe.d/rig.conf"

    # The kernel opens /dev/console before systemd mounts devtmpfs.
    [[ -e $r/dev/console ]] || mknod -m 600 "$r/dev/console" c 5 1

    # Timers that would only add noise to a boot that lasts a minute or two.
    local t
    for t in apt-daily apt-daily-upgrade dpkg-db-backup e2scrub_all fstrim; do
        ln -sf /dev/null "$r/etc/systemd/system/$t.timer"
    done
}
