"""A fresh machine: the set-up installs from the lock and names (or installs) Debian packages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"


def _locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def test_every_locked_package_is_installed_at_its_locked_version():
    pins = _locked()
    assert "holidays" in pins and "weasyprint" in pins
    wrong = {}
    for name, version in pins.items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong[name] = (version, None)
            continue
        if have != version:
            wrong[name] = (version, have)
    assert not wrong, f"installed versions differ from requirements.lock: {wrong}"


def test_every_lock_line_carries_a_hash():
    text = LOCK.read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", text)
    pinned = [b for b in blocks if re.match(r"^[A-Za-z0-9_.\-]+==", b)]
    assert len(pinned) > 50
    assert all("--hash=sha256:" in b for b in pinned)


def test_every_declared_dependency_is_locked():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    pins = _locked()
    for spec in declared:
        name = re.match(r"[A-Za-z0-9_.\-]+", spec).group(0).lower().replace("_", "-")
        assert name in pins, f"{name} is declared in pyproject.toml but not in requirements.lock"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the script as another user")
def test_check_system_names_missing_packages_when_not_root(tmp_path):
    # A PATH with python3 and the basic tools but neither pdftoppm nor chromium.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("python3", "sh", "grep", "id", "ldconfig"):
        found = shutil.which(tool) or f"/sbin/{tool}"
        (bin_dir / tool).symlink_to(found)
    os.chmod(tmp_path, 0o755)  # noqa: S103 - nobody must reach the fake PATH
    result = subprocess.run(
        ["/bin/sh", str(ROOT / "scripts" / "check-system"), "test"],
        env={"PATH": str(bin_dir)},
        user="nobody",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "sudo apt-get install" in result.stderr
    assert "poppler-utils" in result.stderr and "chromium" in result.stderr


def test_makefile_installs_from_the_lock_and_sets_up_the_test_tools():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in makefile
    assert re.search(r"^test: system-test", makefile, re.M)
    assert "check-system test" in makefile
