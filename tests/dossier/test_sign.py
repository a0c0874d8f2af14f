"""PAdES signature + RFC 3161 timestamp, offline: sign, verify, and catch any change."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from tracker.dossier import (
    SignerConfig,
    build_dossier,
    ensure_local_pki,
    local_trust_roots,
    sign_pdf,
    verify_pdf,
)
from tracker.dossier.errors import SigningFailed

from .conftest import page_texts


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def signed(civil_context, key_dir, tmp_path_factory):
    return build_dossier(
        civil_context,
        out_path=None,
        signer=SignerConfig(local_dir=key_dir),
        workdir=tmp_path_factory.mktemp("work-signed"),
        workers=1,
    )


def test_locally_signed_dossier_verifies(signed, key_dir):
    report = verify_pdf(signed.pdf_bytes, trust_roots=local_trust_roots(key_dir))
    assert report["ok"], report
    assert report["intact"] and report["valid"] and report["trusted"]
    assert report["timestamp_valid"]
    assert report["modified_after_signing"] is False
    assert "Tracker local dossier signer" in report["signer"]
    signing_time = dt.datetime.fromisoformat(report["signing_time"])
    assert abs(signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_cover_says_locally_signed(signed, tmp_path):
    cover = page_texts(signed.pdf_bytes, tmp_path, layout=False)[0]
    assert "로컬 인증서로 전자서명" in cover.replace("\n", " ")


def test_keys_are_generated_once(key_dir):
    first = ensure_local_pki(key_dir)
    root = first.root_cert.read_bytes()
    assert ensure_local_pki(key_dir).root_cert.read_bytes() == root
    assert oct(first.signer_key.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("fraction", [0.01, 0.25, 0.5, 0.75, 0.97, 0.999])
def test_any_changed_byte_fails_verification(signed, key_dir, fraction):
    data = bytearray(signed.pdf_bytes)
    position = int(len(data) * fraction)
    data[position] ^= 0x01
    report = verify_pdf(bytes(data), trust_roots=local_trust_roots(key_dir))
    assert not report["ok"], (position, report)


def test_every_byte_of_the_signature_value_is_guarded(signed, key_dir):
    """The CMS inside /Contents has parts no signature covers (certificates, algorithm list,
    zero padding); a change anywhere in it must still fail verification."""
    data = signed.pdf_bytes
    start = data.rindex(b"/Contents <") + len(b"/Contents <")
    end = data.index(b">", start)
    used = len(data[start:end].rstrip(b"0"))
    for position in [*range(start, start + used, max(used // 60, 1)), end - 2]:
        changed = bytearray(data)
        changed[position] = ord("1") if changed[position] != ord("1") else ord("2")
        report = verify_pdf(bytes(changed), trust_roots=local_trust_roots(key_dir))
        assert not report["ok"], position


def test_appended_update_is_reported_as_modification(signed, key_dir):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed.pdf_bytes), strict=False)
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    report = verify_pdf(out.getvalue(), trust_roots=local_trust_roots(key_dir))
    assert report["intact"]
    assert report["modified_after_signing"] is True
    assert not report["ok"]


def test_untrusted_root_is_not_ok(signed, tmp_path):
    report = verify_pdf(signed.pdf_bytes, trust_roots=local_trust_roots(tmp_path / "other"))
    assert report["intact"] and not report["trusted"] and not report["ok"]


def test_unsigned_pdf_reports_no_signature(civil_build, key_dir):
    report = verify_pdf(civil_build.pdf_bytes, trust_roots=local_trust_roots(key_dir))
    assert report["signed"] is False and report["ok"] is False


def _pkcs12(folder: Path) -> tuple[Path, Path]:
    """An organisation CA and a signing certificate in a PKCS#12 file."""
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Seoul Legal Team CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "법무팀 서명")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"legal", key, cert, [ca], serialization.BestAvailableEncryption(b"secret")
    )
    (folder / "signer.p12").write_bytes(p12)
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return folder / "signer.p12", folder / "ca.pem"


def test_configured_pkcs12_certificate_is_used(civil_build, tmp_path):
    p12, ca = _pkcs12(tmp_path)
    config = SignerConfig(local_dir=tmp_path / "tsa", pkcs12_path=p12, pkcs12_passphrase=b"secret")
    signed = sign_pdf(civil_build.pdf_bytes, signer_config=config)
    roots = [ca, *local_trust_roots(tmp_path / "tsa")]  # the timestamp still comes from local TSA
    report = verify_pdf(signed, trust_roots=roots)
    assert report["ok"], report
    assert "법무팀 서명" in report["signer"]
    assert signed.startswith(civil_build.pdf_bytes)  # incremental: the unsigned bytes stay


def test_wrong_passphrase_fails_cleanly(civil_build, tmp_path):
    p12, _ca = _pkcs12(tmp_path)
    config = SignerConfig(local_dir=tmp_path, pkcs12_path=p12, pkcs12_passphrase=b"wrong")
    with pytest.raises(SigningFailed):
        sign_pdf(civil_build.pdf_bytes, signer_config=config)


def test_local_signing_needs_a_key_folder(civil_build):
    with pytest.raises(SigningFailed):
        sign_pdf(civil_build.pdf_bytes, signer_config=SignerConfig())


def test_unreachable_tsa_fails_cleanly(civil_build, key_dir):
    config = SignerConfig(local_dir=key_dir, tsa_url="http://127.0.0.1:9/tsa")
    with pytest.raises(SigningFailed, match="timestamp"):
        sign_pdf(civil_build.pdf_bytes, signer_config=config)
