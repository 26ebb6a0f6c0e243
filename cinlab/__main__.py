"""``python -m cinlab``: the same as the ``cinlab`` command (see :mod:`cinlab.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
