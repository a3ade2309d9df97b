#!/usr/bin/env python
"""Django's command-line utility. Run from anywhere: `platform/` is never importable as
`platform` (it has no __init__.py), so the standard library's module is never shadowed."""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.platform.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
