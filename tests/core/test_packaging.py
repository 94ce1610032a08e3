"""The weights and the test set ship inside the wheel and load from wherever it is installed."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_built_wheel_carries_resources_and_loads_them_elsewhere(tmp_path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    wheel = next(tmp_path.glob("capsviz-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "capsviz/resources/capsnet.safetensors" in names
    assert "capsviz/resources/mnist_test.npz" in names
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "capsviz").rglob("__init__.py")}
    assert {f"{package}/__init__.py" for package in packages} <= set(names)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
    )
    code = (
        "import capsviz, pathlib;"
        "from capsviz.data.mnist import load_shipped_test_set;"
        "m = capsviz.load_pretrained();"
        "print(pathlib.Path(capsviz.__file__).parent.parent, len(load_shipped_test_set()[0]))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    location, count = out.stdout.split()
    assert Path(location) == target and count == "10000"


def test_the_readme_gives_the_test_command_the_ci_runs() -> None:
    """One copy-paste command installs and tests; CI runs exactly it, so the README cannot drift from it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1].split("\n## ", 1)[0]
    command = section.split("```bash\n", 1)[1].split("\n```", 1)[0]
    assert command == 'pip install -e ".[test]" && python -m pytest'
    run = (ROOT / ".ci" / "run").read_text().splitlines()
    assert [line for line in run if "python -m pytest" in line and not line.startswith("#")] == [command]
