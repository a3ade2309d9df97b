"""Package list for the `dangan` namespace, computed from the top-level folders.

setuptools cannot prefix auto-discovered packages, so this lists every folder that holds
Python code as `dangan.<folder>…`. `platform/` itself has no `__init__.py` (see README).
"""
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).parent
CODE_FOLDERS = ["platform", "tenants", "accounts", "documents", "archives", "governance", "integrations", "api", "web"]


def dangan_packages() -> list[str]:
    packages = {"dangan"}
    for folder in CODE_FOLDERS:
        base = ROOT / folder
        if not base.is_dir():
            continue
        packages.add(f"dangan.{folder}")
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT)
            packages.add("dangan." + ".".join(rel.parts))
    return sorted(packages)


setup(packages=dangan_packages(), include_package_data=True)
