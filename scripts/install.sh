#!/usr/bin/env bash
# Builds and installs sriov-manager with its systemd unit and default config.
# Run with --help for the options. Safe to run again: each step checks first.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
unit_name=sriov-manager.service
default_prefix=/usr/local

usage() {
    cat <<EOF
Usage: scripts/install.sh [--now] [--binary PATH] [--uninstall] [--help]

Installs sriov-manager on this host:
  1. builds the release binary (cargo build --release --locked), unless --binary
  2. installs it as \$DESTDIR\$PREFIX/bin/sriov-manager (0755)
  3. installs systemd/$unit_name into \$DESTDIR/etc/systemd/system/ (0644)
     when the repository has it; ExecStart follows PREFIX
  4. writes \$DESTDIR/etc/sriov-manager/config.json (0644) from
     config/default.json, only if no config exists there yet
  5. systemctl daemon-reload
  6. systemctl enable $unit_name

Options:
  --now          also start the service (restart it if it is running, so that
                 it runs the binary just installed)
  --binary PATH  install this prebuilt binary instead of building one; the
                 build prerequisites are then not checked
  --uninstall    stop and disable the service, remove the binary and the unit;
                 the config is kept
  -h, --help     this text

Environment:
  PREFIX   install prefix of the binary (default $default_prefix)
  DESTDIR  stage the files under this directory instead of /, for packages and
           images. With DESTDIR set, steps 5 and 6 (and --now) are skipped,
           nothing is started or stopped, and root is not required: enable the
           unit when the staged tree is installed. DESTDIR=/ installs into /
           without the systemctl steps.

Without DESTDIR it must run as root. When building, it installs pkg-config and
libudev-dev with apt-get if they are missing.
EOF
}

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

now=no
unit_changed=no
binary=
action=install
while [[ $# -gt 0 ]]; do
    case $1 in
        --now) now=yes ;;
        --binary)
            [[ $# -ge 2 ]] || die "--binary needs a path"
            binary=$2
            shift
            ;;
        --uninstall) action=uninstall ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-$default_prefix}
[[ $PREFIX == /* ]] || die "PREFIX must be an absolute path, not '$PREFIX'"
PREFIX=${PREFIX%/}

# DESTDIR=/ stages into the running root without touching systemd.
root=${DESTDIR%/}
bin_path=$root$PREFIX/bin/sriov-manager
unit_path=$root/etc/systemd/system/$unit_name
config_path=$root/etc/sriov-manager/config.json

# systemctl acts on the running host only; a staged tree is enabled later.
live() { [[ -z $DESTDIR ]]; }
systemd_running() { [[ -d /run/systemd/system ]]; }

if live && [[ $(id -u) -ne 0 ]]; then
    die "installing into / needs root: run it with sudo, or set DESTDIR to stage the files"
fi

installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# libudev-dev must have the exact version of the libudev1 already installed
# (a host with libudev1 from backports needs libudev-dev from backports too).
ensure_build_deps() {
    command -v dpkg-query >/dev/null || return 0
    local want=() v
    installed pkg-config || want+=(pkg-config)
    if ! installed libudev-dev; then
        v=$(dpkg-query -W -f='${Version}' libudev1 2>/dev/null || true)
        want+=("libudev-dev${v:+=$v}")
    fi
    [[ ${#want[@]} -eq 0 ]] && return 0

    [[ $(id -u) -eq 0 ]] || die "missing build prerequisites ${want[*]}: install them as root"
    say "installing build prerequisites: ${want[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${want[@]}" ||
        die "apt-get install ${want[*]} failed (run apt-get update first?)"
}

# Builds as the user behind sudo, so that target/ does not end up owned by root.
build_binary() {
    local cargo as_user=()
    cargo=$(command -v cargo || true)
    if [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
        local home
        home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
        [[ -z $cargo && -x $home/.cargo/bin/cargo ]] && cargo=$home/.cargo/bin/cargo
        as_user=(sudo -H -u "$SUDO_USER")
    fi
    [[ -n $cargo ]] || die "cargo not found: install Rust, or pass --binary PATH"

    say "building the release binary (cargo build --release --locked)"
    (cd "$repo" && "${as_user[@]}" "$cargo" build --release --locked) ||
        die "cargo build --release --locked failed in $repo"
    binary=$repo/target/release/sriov-manager
}

install_unit() {
    local src=$repo/systemd/$unit_name
    if [[ ! -f $src ]]; then
        say "no systemd/$unit_name in the repository: no unit installed"
        return 1
    fi
    local tmp
    tmp=$(mktemp)
    sed "/^ExecStart/s#$default_prefix/bin/sriov-manager#$PREFIX/bin/sriov-manager#" \
        "$src" >"$tmp"
    if install_changed "$tmp" "$unit_path" 0644; then
        unit_changed=yes
    fi
    rm -f "$tmp"
}

# install_changed SRC DEST MODE: installs SRC as DEST unless DEST already has
# the same content, and says which; succeeds only when it installed.
install_changed() {
    if cmp -s "$1" "$2"; then
        say "unchanged $2"
        return 1
    fi
    install -D -m "$3" "$1" "$2"
    say "installed $2"
}

install_config() {
    if [[ -e $config_path ]]; then
        say "kept the existing $config_path"
        return
    fi
    local src=$repo/config/default.json
    [[ -f $src ]] || die "config/default.json is missing from $repo: no config to install"
    install -D -m 0644 "$src" "$config_path"
    say "installed the default config as $config_path"
}

do_install() {
    if [[ -z $binary ]]; then
        ensure_build_deps
        build_binary
    fi
    [[ -f $binary && -x $binary ]] || die "binary $binary does not exist or is not executable"

    local bin_changed=no
    if install_changed "$binary" "$bin_path" 0755; then
        bin_changed=yes
    fi

    local have_unit=yes
    install_unit || have_unit=no
    install_config

    if ! live; then
        say "DESTDIR is set: systemctl steps skipped; enable $unit_name on the target"
        return
    fi
    [[ $have_unit == yes ]] || return 0

    if systemd_running; then
        systemctl daemon-reload
    fi
    systemctl enable "$unit_name"
    if [[ $now == yes ]]; then
        systemd_running || die "--now: systemd is not running on this host"
        systemctl restart "$unit_name"
        say "started $unit_name"
    elif [[ $bin_changed$unit_changed == *yes* ]] && systemd_running &&
        systemctl is-active --quiet "$unit_name"; then
        say "$unit_name still runs the previous version: systemctl restart $unit_name"
    fi
}

do_uninstall() {
    if live && [[ -f $unit_path ]]; then
        if systemd_running; then
            systemctl disable --now "$unit_name" || true
        else
            systemctl disable "$unit_name" || true
        fi
    fi
    rm -f "$bin_path" "$unit_path"
    say "removed $bin_path and $unit_path"
    if live && systemd_running; then
        systemctl daemon-reload
    fi
    if [[ -e $config_path ]]; then
        say "kept $config_path: remove it by hand if it is no longer wanted"
    fi
}

"do_$action"
