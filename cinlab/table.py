"""The tidy table of relapse statistics that :func:`cinlab.sweep` returns.

Reached as ``cinlab.cohort.Table`` too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

__all__ = ["Table"]


class Table:
    """A tidy table: one row per parameter combination, columns as numpy arrays."""

    def __init__(self, columns: Mapping[str, Iterable]) -> None:
        self.columns = {k: np.asarray(v) for k, v in columns.items()}
        lengths = {v.shape[0] for v in self.columns.values()}
        if len(lengths) > 1:
            raise ValueError("all columns of a Table must have the same length.")

    def __len__(self) -> int:
        return next(iter(self.columns.values())).shape[0] if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def rows(self) -> list[dict]:
        """The table as a list of row dicts."""
        return [{k: v[i].item() for k, v in self.columns.items()} for i in range(len(self))]

    def to_csv(self, path: str | None = None) -> str:
        """CSV text of the table (written to ``path`` if given)."""
        names = list(self.columns)
        lines = [",".join(names)]
        for row in self.rows():
            lines.append(",".join(f"{row[n]:.6g}" if isinstance(row[n], float) else
                                  str(row[n]) for n in names))
        text = "\n".join(lines) + "\n"
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        return text

    def __repr__(self) -> str:
        return self.to_csv()
