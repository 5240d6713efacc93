"""The per-boot overlay: a small cpio appended to the cached base image.

It carries what changes between runs: the project's binary and unit (put in
place by scripts/install.sh, as a user would), the scenario config, and the
rig's guest files.
"""

import os
import pathlib
import shutil
import subprocess

from .plan import Boot


class OverlayError(Exception):
    pass


def _wanted_by(unit: pathlib.Path) -> list:
    targets = []
    for line in unit.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "WantedBy":
            targets += value.split()
    return targets or ["multi-user.target"]


def _enable(root: pathlib.Path, unit: pathlib.Path):
    """What `systemctl enable` would do, for a root we do not boot from."""
    for target in _wanted_by(unit):
        wants = root / "etc/systemd/system" / f"{target}.wants"
        wants.mkdir(parents=True, exist_ok=True)
        link = wants / unit.name
        if not link.is_symlink():
            link.symlink_to(f"/etc/systemd/system/{unit.name}")


def _install_project(root, repo, binary):
    env = dict(os.environ, DESTDIR=str(root))
    env.pop("PREFIX", None)
    cmd = [str(repo / "scripts/install.sh"), "--binary", str(binary)]
    res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        raise OverlayError(f"scripts/install.sh into the overlay exited"
                           f" {res.returncode}:\n{res.stdout}")


def _copy_install_kit(repo: pathlib.Path, dest: pathlib.Path):
    """install.sh with what it installs, so a scenario can run it on a live
    systemd host (with --binary: the guest has no cargo)."""
    for rel in ("scripts/install.sh", "systemd/sriov-manager.service",
                "config/default.json"):
        if (repo / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(repo / rel, dest / rel)


def _boot_env(boot: Boot) -> str:
    d = boot.decl
    nics = int(d["nics"])
    lines = {
        "RIG_NICS": nics,
        "RIG_HOTPLUG_BUS": f"rp{nics + 1}",
        "RIG_NETDEVSIM": d["netdevsim"],
        "RIG_DAEMON": d["daemon"],
    }
    return "".join(f"{k}='{v}'\n" for k, v in lines.items())


def build(boot: Boot, out: pathlib.Path, repo: pathlib.Path, binary) -> pathlib.Path:
    """Creates out/overlay and returns out/overlay.cpio."""
    vm = repo / "tests/vm"
    root = out / "overlay"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    os.chmod(root, 0o755)

    # Before install.sh: it keeps an existing config, as it would on a host.
    if boot.decl["config"]:
        src = vm / "scenarios/configs" / boot.decl["config"]
        if not src.is_file():
            raise OverlayError(f"config: {src} does not exist")
        dst = root / "etc/sriov-manager/config.json"
        dst.parent.mkdir(parents=True)
        shutil.copyfile(src, dst)
        os.chmod(dst, 0o644)

    if binary:
        _install_project(root, repo, binary)

    unit = root / "etc/systemd/system/sriov-manager.service"
    if boot.decl["daemon"] == "yes":
        if not unit.is_file():
            raise OverlayError("daemon: yes, but install.sh installed no"
                               " sriov-manager.service (systemd/ in the repo)")
        _enable(root, unit)

    rig = root / "opt/rig"
    (rig / "scenarios").mkdir(parents=True)
    for name in ("lib.sh", "runner.sh", "setup.sh"):
        shutil.copy(vm / "guest" / name, rig / name)
    for s in boot.scenarios:
        shutil.copy(s.path, rig / "scenarios" / s.path.name)
    _copy_install_kit(repo, rig / "repo")
    (rig / "plan").write_text("".join(f"{s.name} {s.timeout}\n" for s in boot.scenarios))
    (rig / "boot.env").write_text(_boot_env(boot))

    units = root / "etc/systemd/system"
    units.mkdir(parents=True, exist_ok=True)
    for name in ("rig-setup.service", "rig-at-ready.service", "rig-runner.service"):
        shutil.copy(vm / "guest/units" / name, units / name)
        _enable(root, units / name)

    return _pack(root, out / "overlay.cpio")


def _pack(root: pathlib.Path, dest: pathlib.Path) -> pathlib.Path:
    # Directories keep mode 0755: the kernel applies an archive's directory
    # modes to the directories the base archive already made.
    for d, _, _ in os.walk(root):
        os.chmod(d, 0o755)
    names = subprocess.run(["find", ".", "-mindepth", "1"], cwd=root, check=True,
                           stdout=subprocess.PIPE).stdout
    with open(dest, "wb") as f:
        subprocess.run(["cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"],
                       cwd=root, input=names, stdout=f, check=True)
    return dest
