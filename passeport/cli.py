"""The ``passeport`` command (also ``python -m passeport``): Django's management commands,
with the names certifiers and operators use (``generer-flux`` → ``generer_flux``)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "passeport.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["passeport", *args])


if __name__ == "__main__":
    main()
