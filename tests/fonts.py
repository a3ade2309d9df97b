"""The CJK font that tests and benches render Chinese "scans" with (tests/documents, bench/_documents)."""
from __future__ import annotations

import functools
import shutil
import subprocess


@functools.cache
def cjk_font_path() -> str | None:
    """A regular-weight CJK sans font that fontconfig knows (fonts-noto-cjk, WenQuanYi …), or None."""
    if not shutil.which("fc-list"):
        return None
    listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
    paths = sorted(line.split(":")[0].strip() for line in listed.splitlines() if line.strip())
    preferred = [path for path in paths if "Sans" in path and "Bold" not in path] or paths
    return preferred[0] if preferred else None
