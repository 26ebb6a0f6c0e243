"""``cinlab pool``: the class's result cards (lesson 06), pooled on one page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import AddCommand, out_path, require, write_atomic

__all__ = ["add_pool"]


def _cmd_pool(args: argparse.Namespace) -> int:
    require("bokeh", "Bokeh")
    out = out_path(args.out, (".html", ".htm")) or Path("class.html")
    from .. import cards
    from ..pool_view import class_page

    result = cards.pool(args.cards)
    write_atomic(out, class_page(result, large=not args.small))
    for error in result.errors:
        print(f"left out: {error}", file=sys.stderr)
    print(result.describe())
    print(f"Wrote {out}: open it in any browser.")
    return 0 if result.arms else 1


def add_pool(command: AddCommand) -> None:
    """Register ``cinlab pool``."""
    p = command(
        "pool", "pool the class's result cards into one page for the projector",
        "Pool the result cards that groups saved in lesson 06 (files, or folders of "
        ".json cards) and\nwrite one web page: each group's relapse-free curve, the "
        "pooled curve with its band and the\npooled log-rank test in words. A card that "
        "cannot be pooled is reported and left out.",
        "examples:\n  cinlab pool cards/*.json --out class.html\n  cinlab pool "
        "/home/shared/cards")
    p.add_argument("cards", metavar="CARD", nargs="+", help="a card file or a folder of cards")
    p.add_argument("--out", metavar="FILE.html", help="the page to write (default: "
                   "class.html)")
    p.add_argument("--small", action="store_true", help="normal text instead of projector "
                   "size")
    p.set_defaults(func=_cmd_pool)
