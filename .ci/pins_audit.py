"""Known-vulnerability check of the runtime pins where pip-audit cannot run.

pip-audit asks PyPI's per-release JSON (``/pypi/<name>/<version>/json``) or OSV; from the
development machines only the per-project JSON (``/pypi/<name>/json``) answers, and it
lists the vulnerabilities of the project's newest release. So this checks, for each pin in
``requirements.txt`` that applies to this Python: the pin is the newest release of its
release line (same major.minor, e.g. Django 5.2.x on Python 3.11), and when the pin is
the project's newest release, PyPI lists no vulnerability for it.

    python .ci/pins_audit.py [requirements.txt]

Exit 1 when a pin is behind its line or has a listed vulnerability. Not part of CI: the
answer changes whenever upstream publishes, which is not a property of a commit.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.request
from pathlib import Path

from packaging.markers import Marker
from packaging.version import Version

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^;\s]+)\s*(?:;\s*(.+))?$")


def pins(path: Path) -> list[tuple[str, str]]:
    """``(name, version)`` for each ``name==version`` line whose marker holds here."""
    found = []
    for line in path.read_text().splitlines():
        match = PIN.match(line.split("#", 1)[0].strip())
        if match and (match[3] is None or Marker(match[3]).evaluate()):
            found.append((match[1], match[2]))
    return found


def audit(name: str, pinned: str) -> tuple[bool, str]:
    with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as answer:
        project = json.load(answer)
    pin = Version(pinned)
    line = [
        Version(v)
        for v, files in project["releases"].items()
        if files and not Version(v).is_prerelease and Version(v).release[:2] == pin.release[:2]
    ]
    newest_in_line = max(line, default=pin)
    newest = Version(project["info"]["version"])
    vulns = [v.get("id", "?") for v in project.get("vulnerabilities", [])] if pin == newest else []
    ok = pin >= newest_in_line and not vulns
    note = f"newest {newest}, newest {pin.major}.{pin.minor}.x {newest_in_line}"
    if vulns:
        note += f", listed vulnerabilities: {', '.join(vulns)}"
    elif pin != newest:
        note += " (PyPI lists vulnerabilities of the newest release only: this line's are not visible here)"
    return ok, note


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "requirements.txt")
    failures = 0
    for name, version in pins(path):
        ok, note = audit(name, version)
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}=={version}: {note}")
    print(f"{failures} of {len(pins(path))} pins flagged")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
