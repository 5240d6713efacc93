"""Runs one boot: starts QEMU, follows the control port, answers host
requests, enforces the timeouts and turns what the guest said into results.
"""

import dataclasses
import json
import pathlib
import re
import select
import shutil
import tempfile
import time

from . import qemu as q
from .plan import Boot

# idle=poll: an idle vCPU spins instead of halting. Under TCG a halted vCPU
# now and then never gets its LAPIC timer interrupt, and every timer of that
# CPU stops (tests/vm/README.md, "Cleanup and timeouts"; rig_sriov_stress).
BASE_CMDLINE = ("console=ttyS0,115200 rdinit=/sbin/init panic=-1 mitigations=off"
                " systemd.journald.forward_to_console=1 sysrq_always_enabled idle=poll")

# What the guest kernel prints when it was starved of CPU or lost its timer
# interrupts, which TCG has done (idle=poll above is the cure found for the
# case seen); the guest may then stop keeping its own time, so that its
# scenario timeout never fires.
# A hung task ("blocked for more than") is not in the list: that is a kernel
# lock, which the software under test may well have caused.
STALL_SIGNS = re.compile(
    r"rcu: INFO: \S+ (self-)?detected stalls?"
    r"|rcu: \S+ kthread (starved|timer wakeup didn't happen)"
    r"|watchdog: BUG: soft lockup"
    r"|clocksource: .*Marking clocksource '\S+' as unstable")


def stall_sign(console: pathlib.Path) -> str:
    """The first console line that shows the guest kernel stalled, or ''."""
    try:
        text = console.read_text(errors="replace")
    except OSError:
        return ""
    for line in text.splitlines():
        if STALL_SIGNS.search(line):
            return line.strip()
    return ""


@dataclasses.dataclass
class Result:
    name: str
    passed: bool
    reason: str = ""
    seconds: float = 0.0
    output: list = dataclasses.field(default_factory=list)


class HostRequests:
    """What a scenario may ask of the host: `host VERB ARGS` in guest/lib.sh."""

    def __init__(self, vm: q.Qemu, nics: int):
        self.vm = vm
        # Device id to its netdev id, for netdev_del after an unplug.
        self.netdevs = {f"nic{i}": f"n{i}" for i in range(1, nics + 1)}
        self.plugged = 0  # numbers the MACs of hot-plugged NICs

    def handle(self, verb: str, args: list) -> str:
        fn = getattr(self, "do_" + verb.replace("-", "_"), None)
        if fn is None:
            raise q.QemuError(f"unknown request '{verb}'")
        return fn(*args) or ""

    def do_hotplug(self, bus, dev_id, model="igb"):
        netdev = f"h{dev_id}"
        self.plugged += 1
        self.vm.qmp.command("netdev_add", {"type": "user", "id": netdev, "restrict": True})
        self.vm.qmp.command("device_add", {
            "driver": model, "id": dev_id, "bus": bus, "netdev": netdev, "romfile": "",
            "mac": f"52:54:00:5a:01:{self.plugged % 256:02x}",
        })
        self.netdevs[dev_id] = netdev

    def do_unplug(self, dev_id):
        self.vm.qmp.command("device_del", {"id": dev_id})
        # QEMU removes the device only once the guest has released it.
        self.vm.qmp.wait_event("DEVICE_DELETED", dev_id, 60)
        netdev = self.netdevs.pop(dev_id, None)
        if netdev:
            self.vm.qmp.command("netdev_del", {"id": netdev})

    def do_link(self, dev_id, state):
        if state not in ("up", "down"):
            raise q.QemuError(f"link {dev_id}: state must be up or down, not '{state}'")
        self.vm.qmp.command("set_link", {"name": dev_id, "up": state == "up"})

    def do_freeze(self):
        """Pauses every vCPU for good: how rig_stall makes a guest stall."""
        self.vm.qmp.command("stop")

    def do_hmp(self, *words):
        out = self.vm.qmp.command("human-monitor-command",
                                  {"command-line": " ".join(words)})
        return " | ".join((out or "").splitlines())


class BootRun:
    def __init__(self, boot: Boot, outdir: pathlib.Path, report, boot_timeout: int,
                 verbose: bool = False, attempt: int = 1):
        self.boot = boot
        self.attempt = attempt
        self.verbose = verbose
        self.outdir = outdir
        self.report = report
        self.boot_timeout = boot_timeout
        self.results = {}
        self.current = None  # (name, started, output lines)
        self.started = None  # when the guest was let run
        self.heard = None  # when the guest last said anything
        self.ready_at = None
        self.done = False
        # The guest stopped acting on its own (a host-side limit ran out) and
        # its console says why; see STALL_SIGNS.
        self.stalled = ""
        self.in_log = False
        self.buf = b""
        self.log = open(outdir / "rig.log", "w")

    # -- lines from the guest --------------------------------------------

    def on_line(self, line: str, requests: HostRequests, vm: q.Qemu):
        self.heard = time.monotonic()
        self.log.write(line + "\n")
        if not line.startswith("@@RIG "):
            if self.current and not self.in_log:
                self.current[2].append(line)
                if self.verbose or self.scenario(self.current[0]).show:
                    print(f"    | {line}", flush=True)
            return
        words = line.split(" ", 3)[1:]
        kind = words[0]
        if kind == "READY":
            self.ready_at = time.monotonic()
        elif kind == "BEGIN":
            self.current = (words[1], time.monotonic(), [])
        elif kind in ("PASS", "FAIL"):
            self.finish(words[1], kind == "PASS", words[2] if len(words) > 2 else "")
        elif kind == "REQ":
            self.request(line.split(" ")[2:], requests, vm)
        elif kind in ("LOG-BEGIN", "LOG-END"):
            self.in_log = kind == "LOG-BEGIN"
        elif kind == "DONE":
            self.done = True
        self.log.flush()

    def request(self, words: list, requests: HostRequests, vm: q.Qemu):
        req_id, verb, args = words[0], words[1], words[2:]
        try:
            text = requests.handle(verb, args)
            answer = f"ok {text}".rstrip()
        except Exception as e:  # the scenario gets every failure as its answer
            answer = f"error {e}"
        self.log.write(f"# host: {' '.join(words[1:])} -> {answer}\n")
        vm.ctl.sendall(f"@@RIG ACK {req_id} {answer}\n".encode())

    def finish(self, name: str, passed: bool, reason: str):
        if name in self.results:
            return
        started, output = time.monotonic(), []
        if self.current and self.current[0] == name:
            started, output = self.current[1], self.current[2]
            self.current = None
        r = Result(name, passed, reason, time.monotonic() - started, output)
        self.results[name] = r
        self.report(r, self)

    # -- the loop --------------------------------------------------------

    def scenario(self, name: str):
        return next(s for s in self.boot.scenarios if s.name == name)

    def deadline(self) -> float:
        if self.ready_at is None:
            return self.started + self.boot_timeout
        if self.current:
            return self.current[1] + self.scenario(self.current[0]).timeout + 30
        return self.heard + 60  # between scenarios

    def diagnose(self, vm: q.Qemu):
        """Keeps what QEMU and the guest kernel can still tell about a guest
        that stopped acting on its own: the vCPUs' state in stall.txt, and the
        kernel's backtraces of every CPU and of blocked tasks on the console."""
        with open(self.outdir / "stall.txt", "w") as f:
            for words in ("info status", "info cpus", "info registers -a"):
                try:
                    out = vm.qmp.command("human-monitor-command", {"command-line": words})
                except q.QemuError as e:
                    out = f"error: {e}\n"
                f.write(f"== {words}\n{out}\n")
        try:
            for key in ("alt-sysrq-l", "alt-sysrq-w"):
                vm.qmp.command("human-monitor-command", {"command-line": f"sendkey {key}"})
            time.sleep(5)
        except q.QemuError:
            pass

    def follow(self, vm: q.Qemu, requests: HostRequests) -> str:
        """Returns why following stopped, for scenarios left without a result."""
        while True:
            if self.done:
                return ""
            if vm.exited():
                return f"QEMU exited with status {vm.proc.returncode} before it ended"
            if time.monotonic() > self.deadline():
                self.diagnose(vm)
                self.stalled = stall_sign(self.outdir / "console.log")
                if self.ready_at is None:
                    return (f"the guest did not start the scenarios within"
                            f" {self.boot_timeout}s")
                if self.current:
                    limit = self.scenario(self.current[0]).timeout + 30
                    return f"no result within {limit}s (host-side limit)"
                return "the guest went silent for 60s"
            ready = select.select([vm.ctl, vm.qmp.sock], [], [], 1.0)[0]
            if vm.qmp.sock in ready and not self.drain_qmp(vm):
                return "the QMP monitor closed"
            if vm.ctl in ready:
                data = vm.ctl.recv(65536)
                if not data:
                    return "the control port closed"
                self.buf += data
                while b"\n" in self.buf:
                    raw, self.buf = self.buf.split(b"\n", 1)
                    line = raw.decode("utf-8", "replace").rstrip("\r")
                    self.on_line(line, requests, vm)

    @staticmethod
    def drain_qmp(vm: q.Qemu) -> bool:
        """Keeps events for wait_event; False once QEMU closed the monitor."""
        data = vm.qmp.sock.recv(65536)
        if not data:
            return False
        vm.qmp.buf += data
        while b"\n" in vm.qmp.buf:
            line, vm.qmp.buf = vm.qmp.buf.split(b"\n", 1)
            msg = json.loads(line)
            if "event" in msg:
                vm.qmp.events.append(msg)
        return True

    def run(self, kernel: pathlib.Path, base: pathlib.Path, overlay: pathlib.Path):
        initrd = self.outdir / "initrd.cpio"
        with open(initrd, "wb") as f:
            for part in (base, overlay):
                with open(part, "rb") as p:
                    shutil.copyfileobj(p, f, 1 << 20)

        nics = int(self.boot.decl["nics"])
        iommu = self.boot.decl["iommu"] == "yes"
        extra = "intel_iommu=on " if iommu else ""
        cmdline = (f"{BASE_CMDLINE} rig.attempt={self.attempt} {extra}"
                   f"{self.boot.decl['cmdline']}").strip()
        sockdir = pathlib.Path(tempfile.mkdtemp(prefix="sriov-vm-"))
        args = q.command(kernel, initrd, sockdir, self.outdir / "console.log",
                         nics, cmdline, iommu)
        (self.outdir / "qemu.cmdline").write_text(" ".join(args) + "\n")
        vm = None
        why = ""
        try:
            vm = q.Qemu(args, self.outdir, sockdir)
            self.started = self.heard = time.monotonic()
            vm.start()
            why = self.follow(vm, HostRequests(vm, nics))
            if self.done and not vm.wait_exit(30):
                why = "the guest did not power off within 30s"
        finally:
            if vm:
                vm.stop()
            shutil.rmtree(sockdir, ignore_errors=True)
            initrd.unlink(missing_ok=True)
            self.log.close()

        cut = self.current[0] if self.current else None
        for s in self.boot.scenarios:
            if s.name not in self.results:
                late = cut is not None and s.name != cut
                self.finish(s.name, False, f"not run: {why}" if late else why)
        return why
