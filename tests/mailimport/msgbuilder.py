"""Build Outlook .msg files for tests.

There is no Outlook here, so the files are synthesized: a real OLE2 compound file written by
extract_msg's own ``OleWriter``, laid out per [MS-OXMSG] (property streams, ``__substg1.0_*``
streams, recipient and attachment storages, named-property storage). They are not byte copies
of files Outlook wrote; they exercise the same reader code paths extract_msg uses for those.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from datetime import datetime

from extract_msg import OleWriter

PT_LONG = 0x0003
PT_BOOLEAN = 0x000B
PT_SYSTIME = 0x0040
PT_STRING8 = 0x001E
PT_UNICODE = 0x001F
PT_BINARY = 0x0102

FLAGS = 0x00000006  # readable | writable


def filetime(moment: datetime) -> int:
    return int(moment.timestamp() * 10_000_000) + 116_444_736_000_000_000


@dataclass
class MsgAttachment:
    filename: str
    data: bytes | None  # None: no data stream (e.g. attached by reference)
    mime: str | None = None
    content_id: str | None = None
    hidden: bool = False
    method: int = 1  # ATTACH_BY_VALUE
    embedded: MsgSpec | None = None  # an attached Outlook item (ATTACH_EMBEDDED_MSG)


@dataclass
class MsgRecipient:
    name: str
    email: str
    kind: int = 1  # 1 To, 2 Cc, 3 Bcc


@dataclass
class MsgSpec:
    subject: str
    body: str | None = None
    html: bytes | None = None
    sender_name: str | None = None
    sender_email: str | None = None
    message_id: str | None = None
    sent: datetime | None = None
    headers: str | None = None
    recipients: list[MsgRecipient] = field(default_factory=list)
    attachments: list[MsgAttachment] = field(default_factory=list)
    unicode: bool = True
    codepage: int | None = None  # PR_MESSAGE_CODEPAGE for 8-bit (PT_STRING8) files
    encoding: str = "cp949"  # how 8-bit strings are written (whatever the code page says)
    locale_id: int | None = None  # PR_MESSAGE_LOCALE_ID (e.g. 2052 zh-CN, 1041 ja-JP)
    internet_codepage: int | None = None  # PR_INTERNET_CPID
    # Exact bytes for top-level 8-bit string properties, by property id (e.g. 0x0037 subject):
    # what a damaged or mislabelled file holds, which no encoder would write.
    raw_strings: dict[int, bytes] = field(default_factory=dict)
    message_class: str = "IPM.Note"


class _Props:
    def __init__(self) -> None:
        self.entries: list[bytes] = []

    def fixed(self, prop_id: int, prop_type: int, value: bytes) -> None:
        tag = (prop_id << 16) | prop_type
        self.entries.append(struct.pack("<II", tag, FLAGS) + value.ljust(8, b"\x00"))

    def variable(self, prop_id: int, prop_type: int, size: int) -> None:
        tag = (prop_id << 16) | prop_type
        self.entries.append(struct.pack("<IIII", tag, FLAGS, size, 0))

    def stream(self, header: bytes) -> bytes:
        return header + b"".join(self.entries)


class _Writer:
    def __init__(self, spec: MsgSpec) -> None:
        self.spec = spec
        self.ole = OleWriter()

    def string(self, base: str, props: _Props, prop_id: int, value: str) -> None:
        if self.spec.unicode:
            data = value.encode("utf-16-le")
            self.ole.addEntry(f"{base}__substg1.0_{prop_id:04X}001F", data)
            props.variable(prop_id, PT_UNICODE, len(data) + 2)
        else:
            data = value.encode(self.spec.encoding)
            if not base and prop_id in self.spec.raw_strings:
                data = self.spec.raw_strings[prop_id]
            self.ole.addEntry(f"{base}__substg1.0_{prop_id:04X}001E", data)
            props.variable(prop_id, PT_STRING8, len(data) + 1)

    def binary(self, base: str, props: _Props, prop_id: int, value: bytes) -> None:
        self.ole.addEntry(f"{base}__substg1.0_{prop_id:04X}0102", value)
        props.variable(prop_id, PT_BINARY, len(value))


def build_msg(spec: MsgSpec) -> bytes:
    writer = _Writer(spec)
    _write_message(writer, spec, "", embedded=False)
    ole = writer.ole
    ole.addEntry("__nameid_version1.0", storage=True)
    ole.addEntry("__nameid_version1.0/__substg1.0_00020102", b"")
    ole.addEntry("__nameid_version1.0/__substg1.0_00030102", b"")
    ole.addEntry("__nameid_version1.0/__substg1.0_00040102", b"")
    out = io.BytesIO()
    ole.write(out)
    return out.getvalue()


def _write_message(writer: _Writer, spec: MsgSpec, prefix: str, *, embedded: bool) -> None:
    ole = writer.ole
    top = _Props()
    writer.string(prefix, top, 0x001A, spec.message_class)
    writer.string(prefix, top, 0x0037, spec.subject)
    if spec.body is not None:
        writer.string(prefix, top, 0x1000, spec.body)
    if spec.html is not None:
        writer.binary(prefix, top, 0x1013, spec.html)
    if spec.sender_name is not None:
        writer.string(prefix, top, 0x0C1A, spec.sender_name)
    if spec.sender_email is not None:
        writer.string(prefix, top, 0x5D01, spec.sender_email)
        writer.string(prefix, top, 0x0C1F, spec.sender_email)
        writer.string(prefix, top, 0x0C1E, "SMTP")
    if spec.message_id is not None:
        writer.string(prefix, top, 0x1035, spec.message_id)
    if spec.headers is not None:
        writer.string(prefix, top, 0x007D, spec.headers)
    if spec.sent is not None:
        top.fixed(0x0039, PT_SYSTIME, struct.pack("<Q", filetime(spec.sent)))
        top.fixed(0x0E06, PT_SYSTIME, struct.pack("<Q", filetime(spec.sent)))
    top.fixed(0x0E07, PT_LONG, struct.pack("<I", 1))  # MSGFLAG_READ, not unsent
    support = 0x00040000 if spec.unicode else 0
    top.fixed(0x340D, PT_LONG, struct.pack("<I", support))
    if spec.codepage is not None:
        top.fixed(0x3FFD, PT_LONG, struct.pack("<I", spec.codepage))
    if spec.locale_id is not None:
        top.fixed(0x3FF1, PT_LONG, struct.pack("<I", spec.locale_id))
    if spec.internet_codepage is not None:
        top.fixed(0x3FDE, PT_LONG, struct.pack("<I", spec.internet_codepage))

    for index, recipient in enumerate(spec.recipients):
        base = f"{prefix}__recip_version1.0_#{index:08X}/"
        ole.addEntry(base.rstrip("/"), storage=True)
        props = _Props()
        writer.string(base, props, 0x3001, recipient.name)
        writer.string(base, props, 0x3003, recipient.email)
        writer.string(base, props, 0x39FE, recipient.email)
        writer.string(base, props, 0x3002, "SMTP")
        props.fixed(0x0C15, PT_LONG, struct.pack("<I", recipient.kind))
        props.fixed(0x3000, PT_LONG, struct.pack("<I", index))
        ole.addEntry(f"{base}__properties_version1.0", props.stream(b"\x00" * 8))

    for index, attachment in enumerate(spec.attachments):
        base = f"{prefix}__attach_version1.0_#{index:08X}/"
        ole.addEntry(base.rstrip("/"), storage=True)
        props = _Props()
        if attachment.embedded is not None:
            inner = f"{base}__substg1.0_3701000D/"
            ole.addEntry(inner.rstrip("/"), storage=True)
            _write_message(writer, attachment.embedded, inner, embedded=True)
            props.variable(0x3701, 0x000D, 0xFFFFFFFF)
            writer.string(base, props, 0x3001, attachment.filename)
            props.fixed(0x3705, PT_LONG, struct.pack("<I", 5))  # ATTACH_EMBEDDED_MSG
        else:
            if attachment.data is not None:
                writer.binary(base, props, 0x3701, attachment.data)
            writer.string(base, props, 0x3707, attachment.filename)
            writer.string(base, props, 0x3001, attachment.filename)
            if "." in attachment.filename:
                extension = "." + attachment.filename.rsplit(".", 1)[1]
                writer.string(base, props, 0x3703, extension)
            props.fixed(0x3705, PT_LONG, struct.pack("<I", attachment.method))
            props.fixed(0x0E20, PT_LONG, struct.pack("<I", len(attachment.data or b"")))
        if attachment.mime:
            writer.string(base, props, 0x370E, attachment.mime)
        if attachment.content_id:
            writer.string(base, props, 0x3712, attachment.content_id)
        props.fixed(0x0E21, PT_LONG, struct.pack("<I", index))
        if attachment.hidden:
            props.fixed(0x7FFE, PT_BOOLEAN, struct.pack("<H", 1))
        ole.addEntry(f"{base}__properties_version1.0", props.stream(b"\x00" * 8))

    count_r = len(spec.recipients)
    count_a = len(spec.attachments)
    header = b"\x00" * 8 + struct.pack("<IIII", count_r, count_a, count_r, count_a)
    if not embedded:
        header += b"\x00" * 8
    ole.addEntry(f"{prefix}__properties_version1.0", top.stream(header))
