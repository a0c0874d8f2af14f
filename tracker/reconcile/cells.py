"""Text cells in the CSV files we write, made safe for spreadsheet programs.

A key delivered by the other side can be ``=HYPERLINK("http://…","정산")`` or ``@SUM(…)``;
written as it is, Excel or LibreOffice would run it as a formula when a reviewer opens the
file (CSV injection). Following OWASP, a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a line break is written with one ``'`` before it. So that the escaping can be
undone exactly, a cell starting with apostrophes followed by one of those characters gets one
more apostrophe too. Numbers are left alone: ``-500`` stays a number (a minus sign followed by
digits runs nothing). ``summary.json`` and ``audit.json`` keep the true values, and the hashes
of the inputs are of the files as delivered.
"""

from __future__ import annotations

import re

#: What the output documents say about it (``summary.json``).
NOTE = (
    "In the CSV files a text cell that starts with = + - @, a tab or a line break (after any "
    "apostrophes) is written with one ' before it, so that a spreadsheet does not run it as a "
    "formula (OWASP CSV injection). Numbers, negative ones included, are written as they are. "
    "Remove one leading ' from such a cell to get the true value."
)
#: The same rules as regular expressions, for DuckDB (RE2) and Python alike.
NEEDS_ESCAPE = r"^'*[=+\-@\t\r\n]"
NUMBER = r"[+-]?[0-9][0-9,]*(?:\.[0-9]+)?"

_NEEDS = re.compile(NEEDS_ESCAPE)
_NUMBER = re.compile(NUMBER)


def escape(text: str) -> str:
    """The cell as written to a CSV file."""
    if _NEEDS.match(text) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def unescape(text: str) -> str:
    """The true value of a cell read back from one of our CSV files."""
    if text.startswith("'") and _NEEDS.match(text[1:]):
        return text[1:]
    return text
