# shellcheck shell=bash
# Guest kernel: Debian's backports kernel, a trimmed module tree, and netdevsim
# built out of tree (Debian does not ship it). Sourced by tests/vm/run.

kernel_suite=${SRIOV_VM_KERNEL_SUITE:-bookworm-backports}

# Sets KVER (module directory name), KPKG_VERSION and the package names, from
# apt's local lists only, so that a warm run does not touch the network.
kernel_resolve() {
    local dep
    dep=$(apt-cache show "linux-image-amd64/$kernel_suite" 2>/dev/null |
        awk '/^Depends:/ { sub(/^Depends: /, ""); print; exit }')
    # The metapackage depends on exactly one image: "linux-image-ABI (= VERSION)".
    [[ $dep =~ ^linux-image-([^ ,]+)\ \(=\ ([^\)]+)\)$ ]] ||
        die "resolve guest kernel: linux-image-amd64 in $kernel_suite has no" \
            "single image dependency (got '${dep:-nothing}'); run tests/vm/setup-host"
    KVER=${BASH_REMATCH[1]}
    KPKG_VERSION=${BASH_REMATCH[2]}

    # Debian names the headers and kbuild packages after the ABI (KVER less the
    # flavour). Deriving them saves an apt-cache call (a second) on warm runs;
    # a wrong guess fails the download on a cold run, with apt naming it.
    K_COMMON=linux-headers-${KVER%-amd64}-common
    K_KBUILD=linux-kbuild-${KVER%-amd64}

    # linux-source-6.12 for a KVER of 6.12.95+deb12-amd64.
    K_SOURCE=linux-source-$(grep -oE '^[0-9]+\.[0-9]+' <<<"$KVER")
}

# kernel_build OUT WORK LIST: leaves OUT/vmlinuz and OUT/modroot/lib/modules/KVER
# with the modules named in LIST.
kernel_build() {
    local out=$1 work=$2 list=$3
    local dl=$work/debs x=$work/x

    mkdir -p "$dl" "$x"
    say "kernel: downloading $KVER ($KPKG_VERSION)"
    # Root downloads into a root-owned cache; apt's _apt sandbox cannot write there.
    (cd "$dl" && apt-get -q -o APT::Sandbox::User=root -o Acquire::Retries=5 download \
        "linux-image-$KVER=$KPKG_VERSION" "linux-headers-$KVER=$KPKG_VERSION" \
        "$K_COMMON=$KPKG_VERSION" "$K_KBUILD=$KPKG_VERSION" \
        "$K_SOURCE=$KPKG_VERSION" 2>&1 | mask_hosts >"$work/download.log") ||
        die "kernel: apt-get download failed; see $work/download.log"

    local deb
    for deb in "$dl"/*.deb; do
        dpkg-deb -x "$deb" "$x" || die "kernel: unpack $deb failed"
    done
    cp "$x/boot/vmlinuz-$KVER" "$out/vmlinuz"

    _build_netdevsim "$work" "$x"
    _trim_modules "$x" "$out/modroot" "$list"
}

_build_netdevsim() {
    local work=$1 x=$2
    local hdr=$x/usr/src/linux-headers-$KVER src=$work/src
    local rel=${K_SOURCE}/drivers/net/netdevsim

    # The headers' Makefile includes the -common tree by its installed path.
    sed -i "s#^include /usr/src/#include $x/usr/src/#" "$hdr/Makefile"

    say "kernel: building netdevsim out of tree"
    mkdir -p "$src"
    tar -xJf "$x/usr/src/$K_SOURCE.tar.xz" -C "$src" "$rel" ||
        die "kernel: extract $rel from $K_SOURCE.tar.xz failed"
    # BTF for modules needs pahole at the kernel's own version; the module
    # loads fine without it, so it is switched off rather than installed.
    make -s -C "$hdr" M="$src/$rel" CONFIG_NETDEVSIM=m CONFIG_DEBUG_INFO_BTF_MODULES= \
        -j"$(nproc)" modules >"$work/netdevsim.log" 2>&1 ||
        die "kernel: netdevsim build failed; see $work/netdevsim.log"

    mkdir -p "$x/lib/modules/$KVER/extra"
    strip --strip-debug -o "$x/lib/modules/$KVER/extra/netdevsim.ko" "$src/$rel/netdevsim.ko"
}

# Copies the listed modules and everything they depend on, as modprobe
# resolves it against the full tree, then indexes the small tree.
_trim_modules() {
    local x=$1 root=$2 list=$3
    local mdir=lib/modules/$KVER name path

    depmod -b "$x" "$KVER" || die "kernel: depmod on the full module tree failed"
    mkdir -p "$root/$mdir"
    cp "$x/$mdir"/modules.{builtin,builtin.modinfo,order} "$root/$mdir/"

    while read -r name; do
        [[ -n $name && $name != \#* ]] || continue
        # -C /dev/null: the host's modprobe.d options must not leak in.
        modprobe -C /dev/null -d "$x" -S "$KVER" --show-depends "$name" >"$x/deps" ||
            die "kernel: module $name from modules.list is not in $KVER"
        while read -r _ path _; do
            [[ $path == "$x/"* ]] || continue
            install -D -m 0644 "$path" "$root/${path#"$x"/}"
        done < <(grep '^insmod ' "$x/deps")
    done <"$list"

    depmod -b "$root" "$KVER" || die "kernel: depmod on the guest module tree failed"
}
