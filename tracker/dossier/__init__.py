"""The dossier engine: a plain context dict → a signed, verifiable PDF bundle.

Public entry points: ``build_dossier``, ``render_html``, ``sign_pdf``, ``verify_pdf``. The app
layer builds the context (see ``context.py``), registers the result and records custody.
"""

from .build import BuildResult, build_dossier, prune_cache
from .context import DEFAULT_SECTIONS, DossierContext, check_context
from .html import render_html
from .sign import SignerConfig, ensure_local_pki, local_trust_roots, sign_pdf, verify_pdf

__all__ = [
    "DEFAULT_SECTIONS",
    "BuildResult",
    "DossierContext",
    "SignerConfig",
    "build_dossier",
    "check_context",
    "ensure_local_pki",
    "local_trust_roots",
    "prune_cache",
    "render_html",
    "sign_pdf",
    "verify_pdf",
]
