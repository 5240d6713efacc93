# shellcheck shell=bash
# Helpers shared by the host-side scripts of the VM rig. Sourced, never run.

# Messages go to stderr so that stdout stays free for values a function returns.
say() { printf 'vm: %s\n' "$*" >&2; }
die() { printf 'vm: error: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch with a fraction, for the phase timings we print.
now() { date +%s.%N; }

# elapsed START: seconds since START with one decimal.
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

# Filter for logs we keep: apt and debootstrap print the mirror's address, and
# no registry host is to be written into any file.
mask_hosts() { sed -E 's#[a-z]+://[^ /]+#<mirror>#g'; }

require_root() {
    [[ $(id -u) -eq 0 ]] || die "$1 must run as root (it installs packages and boots QEMU)"
}

# bookworm_mirror: the first URI of the apt entry for the bookworm suite, read
# from this machine's apt sources, so that no mirror is written into the rig.
bookworm_mirror() {
    local f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        uri=$(awk '
            /^[ \t]*$/ { if (hit && u != "") { print u; exit } hit = 0; u = ""; next }
            /^URIs:/ { u = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") hit = 1 }
            END { if (hit && u != "") print u }
        ' "$f" | head -n1)
        [[ -n $uri ]] && { echo "$uri"; return; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        # "deb [options] URI bookworm components": the URI is the field before the suite.
        uri=$(awk '$1 == "deb" { for (i = 3; i <= NF; i++) if ($i == "bookworm") {
            print $(i - 1); exit } }' "$f")
        [[ -n $uri ]] && { echo "$uri"; return; }
    done
    die "find the bookworm mirror: no apt source names the bookworm suite"
}
