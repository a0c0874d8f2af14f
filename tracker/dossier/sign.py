"""PAdES signatures with an RFC 3161 timestamp, and their verification (pyHanko).

Two ways to sign:

- **Configured**: a PKCS#12 file (+ passphrase) and a TSA URL from the deployment's settings.
- **Local** (neither configured): a small PKI is generated once in ``local_dir`` (a root CA, a
  signing certificate and a timestamping certificate, EC P-256) and the timestamp comes from a
  local timestamp authority (pyHanko's ``DummyTimeStamper`` with that TSA certificate), fully
  offline. The cover of such a dossier says it is locally signed, and a verifier has to trust
  ``local_trust_roots(local_dir)`` explicitly: it proves integrity since signing, not identity.

Private keys of the local PKI are stored unencrypted with mode 0600; protect the folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError, UnacceptableSignerError
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from .errors import SigningFailed

FIELD_NAME = "DossierSignature"
_PKI_FOLDER = "dossier-signing"
_NOTES = {
    "local": {
        "ko": (
            "이 PDF는 이 시스템이 자체 생성한 로컬 인증서로 전자서명(PAdES)되었고, 로컬 시각 "
            "인증(RFC 3161 타임스탬프)이 붙어 있습니다. 공인 인증기관의 서명이 아니므로, 서명 "
            "이후 변경되지 않았음을 확인하려면 이 시스템의 루트 인증서를 신뢰 기준으로 지정해야 "
            "합니다."
        ),
        "en": (
            "This PDF is signed (PAdES) with a certificate this system generated for itself and "
            "carries a local RFC 3161 timestamp. It is not signed by a public certificate "
            "authority: to check it has not changed since signing, trust this system's root "
            "certificate explicitly."
        ),
    },
    "local_tsa": {
        "ko": (
            "이 PDF는 기관 인증서로 전자서명(PAdES)되었으나, 시각 인증(RFC 3161 타임스탬프)은 이 "
            "시스템의 로컬 시각 인증서로 붙인 것이어서 공인 시각 인증이 아닙니다."
        ),
        "en": (
            "This PDF is signed (PAdES) with the organisation's certificate, but its RFC 3161 "
            "timestamp comes from this system's local timestamp authority, not a public one."
        ),
    },
    "configured": {
        "ko": (
            "이 PDF는 기관 인증서로 전자서명(PAdES)되었고, 시각 인증 기관의 RFC 3161 타임스탬프가 "
            "붙어 있습니다. 서명 이후 한 바이트라도 바뀌면 서명 검증이 실패합니다."
        ),
        "en": (
            "This PDF is signed (PAdES) with the organisation's certificate and carries an RFC "
            "3161 timestamp from a timestamp authority. Changing a single byte after signing "
            "makes the signature check fail."
        ),
    },
}


@dataclasses.dataclass(frozen=True)
class SignerConfig:
    """How to sign. With neither ``pkcs12_path`` nor ``tsa_url``, sign locally in ``local_dir``."""

    local_dir: Path | None = None
    pkcs12_path: Path | None = None
    pkcs12_passphrase: bytes | None = None
    tsa_url: str | None = None
    reason: str = "Dossier integrity"
    location: str = ""

    @property
    def is_local(self) -> bool:
        return self.pkcs12_path is None or self.tsa_url is None

    def note(self, lang: str) -> str:
        """What the cover says about the signature."""
        if self.pkcs12_path is None:
            return _NOTES["local"][lang]
        return _NOTES["local_tsa" if self.tsa_url is None else "configured"][lang]


@dataclasses.dataclass(frozen=True)
class LocalPki:
    root_cert: Path
    signer_key: Path
    signer_cert: Path
    tsa_key: Path
    tsa_cert: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tracker (local, not a public CA)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: str,
    issuer_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    usage: str,
    now: dt.datetime,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    key_usage = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    if ca:
        key_usage.update(key_cert_sign=True, crl_sign=True)
    else:
        key_usage.update(digital_signature=True, content_commitment=usage == "sign")
    builder = builder.add_extension(x509.KeyUsage(**key_usage), critical=True)
    if usage == "tsa":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(issuer_key, hashes.SHA256())


def ensure_local_pki(directory: Path) -> LocalPki:
    """The local root, signer and TSA certificates in ``directory``, generated on first use."""
    folder = Path(directory) / _PKI_FOLDER
    pki = LocalPki(
        root_cert=folder / "root.crt",
        signer_key=folder / "signer.key",
        signer_cert=folder / "signer.crt",
        tsa_key=folder / "tsa.key",
        tsa_cert=folder / "tsa.crt",
    )
    if folder.is_dir():
        return pki
    Path(directory).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".pki-", dir=directory))
    now = dt.datetime.now(dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    root = _certificate(
        "Tracker local dossier root",
        root_key,
        "Tracker local dossier root",
        root_key,
        ca=True,
        usage="ca",
        now=now,
    )
    files: dict[str, bytes] = {"root.crt": root.public_bytes(serialization.Encoding.PEM)}
    for stem, common_name, usage in (
        ("signer", "Tracker local dossier signer", "sign"),
        ("tsa", "Tracker local timestamp authority", "tsa"),
    ):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _certificate(
            common_name,
            key,
            "Tracker local dossier root",
            root_key,
            ca=False,
            usage=usage,
            now=now,
        )
        files[f"{stem}.crt"] = cert.public_bytes(serialization.Encoding.PEM)
        files[f"{stem}.key"] = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    for filename, payload in files.items():
        path = staging / filename
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
    try:
        os.rename(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another build won the race: use its PKI
    return pki


def local_trust_roots(directory: Path) -> list[Path]:
    """The certificate a verifier must trust for locally signed dossiers."""
    return [ensure_local_pki(directory).root_cert]


def _signer_and_timestamper(config: SignerConfig) -> tuple[signers.Signer, Any]:
    pki = None
    if config.pkcs12_path is None or config.tsa_url is None:
        if config.local_dir is None:
            raise SigningFailed("local signing needs a directory for its keys (local_dir)")
        pki = ensure_local_pki(config.local_dir)
    if config.pkcs12_path is not None:
        signer = signers.SimpleSigner.load_pkcs12(
            str(config.pkcs12_path), passphrase=config.pkcs12_passphrase
        )
    else:
        assert pki is not None  # noqa: S101
        signer = signers.SimpleSigner.load(
            str(pki.signer_key), str(pki.signer_cert), ca_chain_files=(str(pki.root_cert),)
        )
    if signer is None:
        raise SigningFailed("the signing certificate could not be loaded (passphrase?)")
    if config.tsa_url is not None:
        timestamper: Any = HTTPTimeStamper(config.tsa_url)
    else:
        assert pki is not None  # noqa: S101
        timestamper = DummyTimeStamper(
            tsa_cert=load_cert_from_pemder(str(pki.tsa_cert)),
            tsa_key=load_private_key_from_pemder(str(pki.tsa_key), passphrase=None),
            certs_to_embed=[load_cert_from_pemder(str(pki.root_cert))],
        )
    return signer, timestamper


def sign_pdf(pdf_bytes: bytes, *, signer_config: SignerConfig) -> bytes:
    """Sign ``pdf_bytes`` (PAdES B-T: signature + RFC 3161 signature timestamp).

    Appends an incremental update; the original bytes are kept as they are in front of it.
    Raises ``SigningFailed`` when the key cannot be loaded or the TSA does not answer.
    """
    signer, timestamper = _signer_and_timestamper(signer_config)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=signer_config.reason,
        location=signer_config.location or None,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        output = signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper)
    except (SigningError, TimestampRequestError, PdfError, UnacceptableSignerError) as exc:
        raise SigningFailed(f"signing failed: {exc}") from exc
    return output.getvalue()


def _certificates(trust_roots: Iterable[Any]) -> list[asn1_x509.Certificate]:
    certs = []
    for root in trust_roots:
        if isinstance(root, asn1_x509.Certificate):
            certs.append(root)
        elif isinstance(root, x509.Certificate):
            certs.append(asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER)))
        elif isinstance(root, bytes):
            der = x509.load_pem_x509_certificate(root) if b"-----BEGIN" in root else None
            data = der.public_bytes(serialization.Encoding.DER) if der else root
            certs.append(asn1_x509.Certificate.load(data))
        else:
            certs.append(load_cert_from_pemder(str(root)))
    return certs


def _padding_untouched(contents: bytes) -> bool:
    """The signature placeholder is zero-padded past the CMS value; the padding is outside the
    signed byte range, so check by hand that nobody wrote into it."""
    contents = bytes(contents)
    if len(contents) < 2 or contents[0] != 0x30:
        return False
    first = contents[1]
    if first < 0x80:
        end = 2 + first
    else:
        count = first & 0x7F
        end = 2 + count + int.from_bytes(contents[2 : 2 + count], "big")
    return end <= len(contents) and not any(contents[end:])


_ID_DATA = "1.2.840.113549.1.7.1"


def _signed_data_problem(
    signed_data: cms.SignedData, trusted: list[asn1_x509.Certificate]
) -> str | None:
    """Check the parts of a CMS SignedData that no signature covers (RFC 5652).

    The certificate set, the digest-algorithm set and the version number are outside the
    signed attributes, so a changed byte there would go unnoticed by signature validation.
    Every embedded certificate must be a trusted root or be signed by one of the others.
    """
    if signed_data["crls"].native:
        return "unexpected CRLs in the signature"
    infos = list(signed_data["signer_infos"])
    wanted = {info["digest_algorithm"]["algorithm"].dotted for info in infos}
    declared = {alg["algorithm"].dotted for alg in signed_data["digest_algorithms"]}
    if wanted != declared:
        return "the signature's digest algorithm list was altered"
    content_type = signed_data["encap_content_info"]["content_type"].dotted
    uses_key_id = any(info["sid"].name == "subject_key_identifier" for info in infos)
    expected = "v3" if content_type != _ID_DATA or uses_key_id else "v1"
    if signed_data["version"].native != expected:
        return "the signature's version number was altered"
    certificates = [c.chosen for c in signed_data["certificates"] or []]
    trusted_der = {root.dump() for root in trusted}
    pool = [*certificates, *trusted]
    for cert in certificates:
        if cert.dump() in trusted_der:
            continue
        parsed = x509.load_der_x509_certificate(cert.dump())
        for issuer in pool:
            if issuer.subject != cert.issuer:
                continue  # a self-signed certificate is checked against itself
            try:
                parsed.verify_directly_issued_by(x509.load_der_x509_certificate(issuer.dump()))
            except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
                continue
            break
        else:
            return f"an embedded certificate does not verify: {cert.subject.human_friendly}"
    return None


def _unsigned_parts_problem(contents: bytes, trusted: list[asn1_x509.Certificate]) -> str | None:
    info = cms.ContentInfo.load(contents, strict=False)
    der = info.dump(force=True)
    if contents[: len(der)] != der:
        return "the signature value is not in canonical DER"
    signed_data = info["content"]
    problem = _signed_data_problem(signed_data, trusted)
    if problem:
        return problem
    for signer_info in signed_data["signer_infos"]:
        unsigned = signer_info["unsigned_attrs"]
        for attribute in unsigned if unsigned.native else []:
            if attribute["type"].native == "signature_time_stamp_token":
                for token in attribute["values"]:
                    problem = _signed_data_problem(token["content"], trusted)
                    if problem:
                        return "timestamp: " + problem
    return None


def verify_pdf(pdf_bytes: bytes, *, trust_roots: Iterable[Any]) -> dict[str, Any]:
    """Check the dossier signature against ``trust_roots`` (paths, PEM/DER bytes or certs).

    Never raises for a bad file: the report says what failed. ``ok`` is true only when the
    signature is intact and valid, chains to a trusted root, the timestamp is valid and the
    signature covers the whole file (nothing was added or changed after signing).
    """
    report: dict[str, Any] = {
        "ok": False,
        "signed": False,
        "intact": False,
        "valid": False,
        "trusted": False,
        "timestamp_valid": False,
        "timestamp": None,
        "signer": None,
        "signing_time": None,
        "modified_after_signing": None,
        "error": None,
    }
    trusted = _certificates(trust_roots)
    context = ValidationContext(
        trust_roots=trusted, allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            report["error"] = "no signature"
            return report
        report["signed"] = True
        contents = bytes(signatures[0].sig_object["/Contents"])
        if not _padding_untouched(contents):
            report["error"] = "bytes after the signature value were altered"
            return report
        problem = _unsigned_parts_problem(contents, trusted)
        if problem:
            report["error"] = problem
            return report
        status = validate_pdf_signature(
            signatures[0], signer_validation_context=context, ts_validation_context=context
        )
    except Exception as exc:  # noqa: BLE001
        # A tampered file can break the PDF, ASN.1 or crypto parsers in any way they choose;
        # for a verifier every one of those means "not verified", never a crash.
        report["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return report
    timestamp = status.timestamp_validity
    covers_all = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    report.update(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        timestamp_valid=bool(
            timestamp and timestamp.intact and timestamp.valid and timestamp.trusted
        ),
        timestamp=timestamp.timestamp.isoformat() if timestamp else None,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else None,
        signing_time=(status.signer_reported_dt.isoformat() if status.signer_reported_dt else None),
        modified_after_signing=not covers_all,
        coverage=status.coverage.name if status.coverage else None,
    )
    report["ok"] = bool(
        report["intact"]
        and report["valid"]
        and report["trusted"]
        and report["timestamp_valid"]
        and covers_all
    )
    return report
