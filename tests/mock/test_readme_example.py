"""The README's example pytest test for frontend developers, run as a user would run it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- example: test_with_the_mock.py -->"


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(re.escape(MARKER) + r"\n```python\n(.*?)```", text, re.S)
    assert found, f"README.md has no python block after {MARKER}"
    return found[1]


def test_the_readme_example_passes_and_its_verify_fails_on_a_wrong_call(tmp_path: Path) -> None:
    example = readme_example()
    (tmp_path / "test_with_the_mock.py").write_text(example, encoding="utf-8")
    # The same tests with the app sending the wrong name: verify must catch it.
    broken = example.replace(
        'create_room(mock.base_url, "CS101")\n    assert',
        'create_room(mock.base_url, "CS1O1")\n    assert',
    )
    assert broken != example
    (tmp_path / "test_broken_app.py").write_text(broken, encoding="utf-8")
    good, bad = (
        pytest_in(tmp_path, name) for name in ("test_with_the_mock.py", "test_broken_app.py")
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "2 passed" in good.stdout
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "1 failed, 1 passed" in bad.stdout
    assert 'body /name: "CS1O1", expected "CS101"' in bad.stdout  # the near miss, shown


def pytest_in(folder: Path, test_file: str) -> subprocess.CompletedProcess[str]:
    """pytest on one file, from `folder`, as a user runs it."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rN", test_file]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120)
