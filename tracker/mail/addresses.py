"""Email addresses: checking them, and turning them into header values that encode correctly."""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def validate_address(addr: object, *, allow_smtputf8: bool = False) -> bool:
    """True when ``addr`` is one syntactically valid address (``name@example.com``; no display
    name, no list). No DNS lookups (``check_deliverability=False``).

    Refused, on purpose: special-use and reserved domains (``.local``, ``.localhost``, ``.test``,
    ``.invalid``), dotless domains, and, unless ``allow_smtputf8``, non-ASCII local parts
    (``홍길동@example.com``), which need SMTPUTF8 support on every relay on the way. Korean
    *domains* (``a@법무.kr``) are fine: they travel as punycode.
    """
    if not isinstance(addr, str) or not addr.strip() or addr != addr.strip():
        return False
    try:
        validate_email(addr, check_deliverability=False, allow_smtputf8=allow_smtputf8)
    except EmailNotValidError:
        return False
    return True


def one_line(value: str) -> str:
    """``value`` with control characters (CR, LF, tab …) turned into single spaces: what may go
    into a header without folding tricks or header injection."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def ascii_addr_spec(addr: str) -> str:
    """``addr`` as it goes on the wire: unchanged when ASCII, else with its domain in punycode.

    Raises ``ValueError`` when the address is not valid (see :func:`validate_address`)."""
    addr = addr.strip()
    try:
        checked = validate_email(addr, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"invalid email address {addr!r}: {exc}") from exc
    return addr if addr.isascii() else checked.ascii_email


def mailbox(display_name: str, addr: str) -> Address:
    """A header ``Address`` for a recipient; the display name (Korean or not) is encoded per
    RFC 2047 when the message is serialised. Raises ``ValueError`` on an invalid address."""
    return Address(display_name=one_line(display_name), addr_spec=ascii_addr_spec(addr))


def parse_mailbox(value: str | Address) -> Address:
    """``"서울시 법무팀 <tracker@example.com>"`` or a bare address → ``Address``.

    Lenient about the domain (``tracker@localhost`` is a fine sender for a test relay) but
    raises ``ValueError`` when there is no ``local@domain`` at all."""
    if isinstance(value, Address):
        return value
    name, addr = parseaddr(one_line(value))
    if "@" not in addr or addr.startswith("@") or addr.endswith("@"):
        raise ValueError(f"not an email address: {value!r}")
    return Address(display_name=name, addr_spec=addr)
