"""One QEMU process: its command line, its QMP monitor, its control port.

QEMU starts paused (-S) so that the QMP and control sockets are connected
before the guest can write anything; then `cont` lets it run. The process is
killed by PID in stop(), and the kernel kills it too if this driver dies
(PR_SET_PDEATHSIG), so a QEMU never outlives its run.
"""

import ctypes
import json
import os
import pathlib
import select
import signal
import socket
import subprocess
import time

PR_SET_PDEATHSIG = 1


class QemuError(Exception):
    pass


def _die_with_parent():
    os.setpgid(0, 0)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def nic_args(index: int) -> list:
    """A cold-plugged igb on root port rpINDEX: device nicN, netdev nN."""
    return [
        "-netdev", f"user,id=n{index},restrict=on",
        "-device", (f"igb,id=nic{index},bus=rp{index},netdev=n{index},"
                    f"mac=52:54:00:5a:00:{index:02x},romfile="),
    ]


def command(kernel, initrd, sockdir, console, nics: int, cmdline: str,
            iommu: bool) -> list:
    args = [
        "qemu-system-x86_64",
        # KVM is present on these hosts but guests fail under it.
        "-accel", "tcg,thread=multi", "-cpu", "max", "-machine", "q35",
        "-m", "2048", "-smp", "2",
        # -nodefaults: no default NIC, which would have an unrestricted network.
        "-nodefaults", "-display", "none", "-no-reboot", "-S",
        "-kernel", str(kernel), "-initrd", str(initrd), "-append", cmdline,
        "-chardev", f"file,id=con,path={console}", "-serial", "chardev:con",
        "-chardev", f"socket,id=ctl,path={sockdir}/ctl,server=on,wait=off",
        "-serial", "chardev:ctl",
        "-qmp", f"unix:{sockdir}/qmp,server=on,wait=off",
    ]
    if iommu:
        # An emulated VT-d, so that vfio-pci can take VFs (Debian's kernel has
        # no VFIO no-IOMMU mode). Created before the devices it translates for.
        args += ["-device", "intel-iommu"]
    # One root port per NIC plus an empty one for hotplug.
    for i in range(1, nics + 2):
        args += ["-device", f"pcie-root-port,id=rp{i},bus=pcie.0,chassis={i},"
                            f"addr={0x10 + i - 1:#x}"]
    for i in range(1, nics + 1):
        args += nic_args(i)
    return args


def _connect(path: pathlib.Path, deadline: float) -> socket.socket:
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(str(path))
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise QemuError(f"connect {path}: QEMU did not create it in time")
            time.sleep(0.05)


class Qmp:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = b""
        self.events = []
        self.next_id = 0

    def _line(self, deadline: float) -> dict:
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise QemuError("QMP: no answer in time")
            data = self.sock.recv(65536)
            if not data:
                raise QemuError("QMP: QEMU closed the monitor")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name: str, arguments: dict = None, timeout: float = 30):
        self.next_id += 1
        msg = {"execute": name, "id": self.next_id}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._line(deadline)
            if "event" in reply:
                self.events.append(reply)
            elif reply.get("id") == self.next_id:
                if "error" in reply:
                    raise QemuError(f"{name}: {reply['error'].get('desc')}")
                return reply.get("return")

    def wait_event(self, event: str, device: str, timeout: float):
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e["event"] == event and e.get("data", {}).get("device") == device:
                    self.events.remove(e)
                    return
            self.events.append(self._line(deadline))

    def handshake(self):
        self._line(time.monotonic() + 10)  # the greeting
        self.command("qmp_capabilities")


class Qemu:
    def __init__(self, args: list, outdir: pathlib.Path, sockdir: pathlib.Path):
        """Starts QEMU with output to outdir/qemu.stderr and its PID in
        outdir/qemu.pid, which tests/vm/run's cleanup reads."""
        self.stderr = open(outdir / "qemu.stderr", "wb")
        self.pidfile = outdir / "qemu.pid"
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.stderr, stderr=self.stderr,
                                     preexec_fn=_die_with_parent)
        self.pid = self.proc.pid
        self.pidfile.write_text(f"{self.pid}\n")
        try:
            deadline = time.monotonic() + 30
            self.qmp = Qmp(_connect(sockdir / "qmp", deadline))
            self.ctl = _connect(sockdir / "ctl", deadline)
            self.qmp.handshake()
        except Exception:
            self.stop()
            raise

    def start(self):
        self.qmp.command("cont")

    def exited(self) -> bool:
        return self.proc.poll() is not None

    def wait_exit(self, timeout: float) -> bool:
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self):
        """Ends QEMU by PID: SIGTERM, then SIGKILL after 5 s."""
        if self.proc.poll() is None:
            self.proc.terminate()
            if not self.wait_exit(5):
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        self.pidfile.unlink(missing_ok=True)
