"""Reading docs/migrating.md: one system's section and the rows of its tables."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "migrating.md"


def section(title):
    """The text of `## title`, up to the next `## ` heading."""
    text = DOC.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def table_rows(text, header):
    """The rows of the table whose header line starts with `header`, each a list of its
    cells' backticked names (a list of lists, one per cell)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        line = line.strip()
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows.append([re.findall(r"`([^`]+)`", cell) for cell in cells])
    return rows
