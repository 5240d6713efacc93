"""Host driver of the VM rig: plans boots, runs them, prints the results.

Called by tests/vm/run once the cache and the binary are ready:
    python3 -m rig --cache DIR --repo DIR --results DIR [--binary PATH] [NAME...]
"""

import argparse
import pathlib
import signal
import subprocess
import sys
import time

from . import overlay, plan
from .boot import BootRun, Result

TAIL = 25


def _on_signal(signum, _frame):
    # Unwinds through the finally blocks that stop QEMU.
    raise SystemExit(128 + signum)


def _tail(path: pathlib.Path, n: int) -> list:
    try:
        return path.read_text(errors="replace").splitlines()[-n:]
    except OSError:
        return []


_shown = set()


def _print_failure(r: Result, run: BootRun):
    if not (run.verbose or run.scenario(r.name).show):
        for line in r.output[-TAIL:]:
            print(f"    | {line}")
    console = run.outdir / "console.log"
    print(f"    console log: {console}")
    print(f"    rig log:     {run.outdir / 'rig.log'}")
    # Once a boot: the scenarios of a boot that died share one console.
    if run.outdir not in _shown:
        _shown.add(run.outdir)
        for line in _tail(console, TAIL):
            print(f"    console| {line}")


def report(r: Result, run: BootRun):
    if r.passed:
        print(f"PASS {r.name}", flush=True)
        return
    # Cut off by a stall that earns the boot a second attempt: not a verdict.
    verdict = "VOID" if run.stalled and run.attempt == 1 else "FAIL"
    print(f"{verdict} {r.name}: {r.reason or 'no reason given'}")
    _print_failure(r, run)
    sys.stdout.flush()


def boot_once(b: plan.Boot, args, attempt: int) -> BootRun:
    outdir = args.results / (b.label if attempt == 1 else f"{b.label}-attempt-{attempt}")
    outdir.mkdir(parents=True)
    run = BootRun(b, outdir, report, args.boot_timeout, args.verbose, attempt)
    t0 = time.monotonic()
    try:
        ovl = overlay.build(b, outdir, args.repo, args.binary)
    except (overlay.OverlayError, OSError, subprocess.CalledProcessError) as e:
        run.log.close()
        for s in b.scenarios:
            run.finish(s.name, False, f"overlay: {e}")
        return run

    why = run.run(args.cache / "vmlinuz", args.cache / "base.cpio", ovl)
    total = time.monotonic() - t0
    ready = f"{run.ready_at - run.started:.1f}s" if run.ready_at else "never"
    each = ", ".join(f"{r.name} {r.seconds:.1f}s" for r in run.results.values())
    print(f"vm: {b.label}: guest ready in {ready}; {each}; boot total {total:.1f}s",
          flush=True)
    if why and all(r.passed for r in run.results.values()):
        print(f"vm: {b.label}: note: {why}")
    return run


def run_boot(b: plan.Boot, args, n_boots: int, retried: list) -> list:
    """Runs a boot; boots it once more if the guest kernel stalled, which
    TCG on a busy host causes now and then. The second attempt's results
    are the boot's results; a second stall fails it."""
    names = " ".join(s.name for s in b.scenarios)
    print(f"vm: {b.label} ({b.index}/{n_boots}): {names}", flush=True)
    run = boot_once(b, args, 1)
    if run.stalled:
        print(f"vm: {b.label}: the guest kernel stalled (console: {run.stalled});"
              f" vCPU state in {run.outdir / 'stall.txt'}. The results above are void:"
              f" booting it once more", flush=True)
        retried.append(b.label)
        run = boot_once(b, args, 2)
    return list(run.results.values())


def main() -> int:
    p = argparse.ArgumentParser(prog="tests/vm/run")
    p.add_argument("--repo", type=pathlib.Path, required=True)
    p.add_argument("--check", action="store_true",
                   help="only validate the scenarios and print the boots")
    p.add_argument("--cache", type=pathlib.Path)
    p.add_argument("--results", type=pathlib.Path)
    p.add_argument("--binary", type=pathlib.Path)
    p.add_argument("--boot-timeout", type=int, default=300)
    p.add_argument("--verbose", action="store_true",
                   help="print every scenario's output as it comes")
    p.add_argument("names", nargs="*")
    args = p.parse_args()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)

    try:
        scenarios = plan.load(args.repo / "tests/vm/scenarios", args.names)
    except plan.PlanError as e:
        print(f"vm: error: {e}", file=sys.stderr)
        return 2
    if not scenarios:
        print("vm: error: no scenarios to run", file=sys.stderr)
        return 2
    boots = plan.group(scenarios)
    if args.check:
        for b in boots:
            print(f"vm: plan: {b.label}: {' '.join(s.name for s in b.scenarios)}")
        return 0

    results, retried = [], []
    try:
        for b in boots:
            results += run_boot(b, args, len(boots), retried)
    except KeyboardInterrupt:
        print("vm: interrupted; QEMU stopped")
    finally:
        done = {r.name for r in results}
        for s in scenarios:
            if s.name not in done:
                print(f"FAIL {s.name}: not run: the run was interrupted")
                results.append(Result(s.name, False))
        passed = sum(r.passed for r in results)
        note = f" ({len(retried)} boot(s) run twice after a guest stall: {', '.join(retried)})"
        print(f"{passed} passed, {len(results) - passed} failed{note if retried else ''}",
              flush=True)
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
