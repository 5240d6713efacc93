"""Scenario declarations and how scenarios are grouped into boots.

A scenario is tests/vm/scenarios/NAME.sh. Lines of the form `#@ key: value`
declare what the guest must look like when it starts; scenarios whose
declarations are equal share one boot.
"""

import dataclasses
import pathlib
import re

DECL = re.compile(r"^#@\s*([a-z-]+)\s*:\s*(.*?)\s*$")
NAME = re.compile(r"^[a-z0-9_]+$")

# key: (default, check). A check returns an error string or None.
KEYS = {
    "group": ("default", lambda v: None if NAME.match(v) else "use [a-z0-9_]"),
    "nics": ("2", lambda v: None if v.isdigit() and 0 <= int(v) <= 8 else "0..8"),
    "netdevsim": ("", lambda v: None if re.fullmatch(r"(\d+ \d+(, *\d+ \d+)*)?", v)
                  else "'ID PORTS[, ID PORTS...]'"),
    "config": ("", lambda v: None if re.fullmatch(r"[\w.-]*", v) else "a file name"),
    "daemon": ("no", lambda v: None if v in ("yes", "no") else "yes or no"),
    "cmdline": ("", lambda v: None),
    "iommu": ("no", lambda v: None if v in ("yes", "no") else "yes or no"),
    "timeout": ("120", lambda v: None if v.isdigit() and int(v) > 0 else "seconds"),
    "explicit": ("no", lambda v: None if v in ("yes", "no") else "yes or no"),
    "show": ("no", lambda v: None if v in ("yes", "no") else "yes or no"),
}

# Declarations that shape the guest; timeout, explicit and show do not.
BOOT_KEYS = ("group", "nics", "netdevsim", "config", "daemon", "cmdline", "iommu")


class PlanError(Exception):
    pass


@dataclasses.dataclass
class Scenario:
    name: str
    path: pathlib.Path
    decl: dict

    @property
    def timeout(self) -> int:
        return int(self.decl["timeout"])

    @property
    def show(self) -> bool:
        return self.decl["show"] == "yes"

    def boot_key(self) -> tuple:
        return tuple(self.decl[k] for k in BOOT_KEYS)


@dataclasses.dataclass
class Boot:
    index: int
    decl: dict
    scenarios: list

    @property
    def label(self) -> str:
        return f"boot-{self.index}-{self.decl['group']}"


def parse(path: pathlib.Path) -> Scenario:
    decl = {k: default for k, (default, _) in KEYS.items()}
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        m = DECL.match(line)
        if not m:
            continue
        key, value = m.groups()
        if key not in KEYS:
            raise PlanError(f"{path}:{lineno}: unknown declaration '{key}'"
                            f" (known: {', '.join(KEYS)})")
        err = KEYS[key][1](value)
        if err:
            raise PlanError(f"{path}:{lineno}: {key}: '{value}' is not {err}")
        decl[key] = value
    return Scenario(path.stem, path, decl)


def load(scenario_dir: pathlib.Path, names: list) -> list:
    """The named scenarios in the given order, or all but explicit ones."""
    if names:
        missing = [n for n in names if not (scenario_dir / f"{n}.sh").is_file()]
        if missing:
            known = sorted(p.stem for p in scenario_dir.glob("*.sh"))
            raise PlanError(f"no such scenario: {', '.join(missing)}"
                            f" (known: {', '.join(known)})")
        return [parse(scenario_dir / f"{n}.sh") for n in dict.fromkeys(names)]

    found = [parse(p) for p in sorted(scenario_dir.glob("*.sh"))]
    return [s for s in found if s.decl["explicit"] == "no"]


def group(scenarios: list) -> list:
    """Boots in order of first appearance; scenarios keep their order."""
    boots = {}
    for s in scenarios:
        key = s.boot_key()
        if key not in boots:
            decl = {k: s.decl[k] for k in BOOT_KEYS}
            boots[key] = Boot(len(boots) + 1, decl, [])
        boots[key].scenarios.append(s)
    return list(boots.values())
