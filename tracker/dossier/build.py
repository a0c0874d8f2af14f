"""``build_dossier``: context → verified exhibits → parts (parallel, cached) → bundle → signature.

Parts are keyed by the SHA-256 of their HTML plus the engine, WeasyPrint, CSS and font
versions, and kept in ``workdir/parts``. A rebuild re-renders only parts whose HTML changed:
editing one fact re-renders the chunk of the chronology holding it. Page numbers, footers,
labels and links do not live in the parts, so a part never goes stale because another one
grew; they are settled in the final pass (``assemble.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import multiprocessing
import multiprocessing.forkserver
import os
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import weasyprint

from .assemble import ENGINE_VERSION, PartFile, assemble
from .context import check_context
from .errors import RenderFailed
from .exhibits import ExhibitFile, load_exhibit
from .fetcher import TEMPLATE_DIR
from .glyphs import font_files, printable
from .html import ordered_exhibits, render_parts, section_titles
from .printable import DEFAULT_LIMITS, PrintLimits, printed_parts
from .render import render_part
from .sign import SignerConfig, sign_pdf

#: Below this much HTML to render, starting worker processes costs more than it saves.
PARALLEL_MIN_HTML = 400_000
#: Rows (facts + letters + exhibits) from which a build with an empty cache will likely go
#: parallel: the process server is started first thing so that it imports WeasyPrint while we
#: verify exhibits and render templates.
PARALLEL_LIKELY_ROWS = 600


@dataclasses.dataclass
class BuildResult:
    pdf_bytes: bytes
    sha256: str
    page_count: int
    exhibit_start_pages: dict[str, int]  # label -> 1-based page in the bundle
    timings: dict[str, float]  # seconds per step, plus counts of parts rendered and reused
    section_start_pages: dict[str, int] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    signed: bool = False


@functools.cache
def _asset_digest(stamp: tuple) -> str:
    digest = hashlib.sha256(f"{ENGINE_VERSION}|{weasyprint.__version__}".encode())
    for path_text, _mtime, _size in stamp:
        digest.update(path_text.encode())
        digest.update(Path(path_text).read_bytes())
    return digest.hexdigest()


def asset_digest() -> str:
    """Hash of everything besides the HTML that shapes a rendered part."""
    paths = sorted(TEMPLATE_DIR.glob("*.css")) + font_files()
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return _asset_digest(stamp)


def _render_to_cache(html: str, pdf_path: str, meta_path: str) -> dict[str, Any]:
    """Worker: render one part and store it (atomically) in the cache."""
    started = time.perf_counter()
    rendered = render_part(html)
    meta = rendered.meta()
    meta["render_seconds"] = round(time.perf_counter() - started, 3)
    for path, payload in ((pdf_path, rendered.pdf), (meta_path, json.dumps(meta).encode())):
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, path)
    return meta


def _process_context() -> multiprocessing.context.BaseContext:
    # forkserver, not fork: the caller (a web or queue worker) may run threads, and forking a
    # threaded process is unsafe. The server imports WeasyPrint once; workers fork from it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tracker.dossier.render"])
    return context


def _warm_up_workers() -> None:
    _process_context()
    multiprocessing.forkserver.ensure_running()


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=_process_context())


def _render_missing(
    jobs: list[tuple[str, str, str, str]],
    workers: int | None,
    on_part: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Render ``(name, html, pdf_path, meta_path)`` jobs; returns meta by part name.
    ``on_part(done, total)`` is called as each part finishes (drives the progress bar)."""
    if not jobs:
        return {}
    report = on_part or (lambda _done, _total: None)
    if workers is None:
        size = sum(len(html) for _, html, _, _ in jobs)
        workers = min(os.cpu_count() or 1, len(jobs)) if size >= PARALLEL_MIN_HTML else 1
    if workers <= 1 or len(jobs) == 1:
        results = {}
        for done, (name, html, pdf, meta) in enumerate(jobs, start=1):
            results[name] = _render_to_cache(html, pdf, meta)
            report(done, len(jobs))
        return results
    ordered = sorted(jobs, key=lambda job: len(job[1]), reverse=True)  # longest first
    with _pool(min(workers, len(jobs))) as pool:
        futures = {
            pool.submit(_render_to_cache, html, pdf, meta): name
            for name, html, pdf, meta in ordered
        }
        try:
            results = {}
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                report(done, len(jobs))
            return results
        except BrokenProcessPool as exc:
            raise RenderFailed("a render worker died (out of memory?)") from exc
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # one part failed: drop the rest


def build_dossier(
    context: Mapping[str, Any],
    *,
    out_path: Path | None,
    signer: SignerConfig | None,
    workdir: Path,
    workers: int | None = None,
    claim_pdfa: bool = False,
    on_progress: Callable[[int], None] | None = None,
    print_limits: PrintLimits | None = None,
) -> BuildResult:
    """Build the dossier PDF for ``context``.

    Guarantees: every exhibit is re-hashed and must match its recorded SHA-256; nothing outside
    our own fonts and CSS is fetched; user text never fails it (a character no shipped font has
    is printed as its code point, ``[U+XXXX]``); without a
    signer the same context (same ``generated_at``) gives byte-identical output; with one, the
    PDF carries a PAdES signature and an RFC 3161 timestamp and the cover says how it was signed.
    Writes ``out_path`` (atomically) when given. Raises ``DossierError`` subclasses.
    ``on_progress(percent)`` is called as the build advances (parts rendered, assembled, signed).
    ``print_limits`` say how much of a data or text exhibit is printed (``printable.py``).
    """
    progress = on_progress or (lambda _percent: None)
    timings: dict[str, float] = {}
    started = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    check_context(context)
    # Once, here, so the parts, the stamps, the outline, the manifest and the metadata all show
    # the same text: no control characters, nothing the shipped fonts cannot draw.
    context = printable(dict(context))
    cache = Path(workdir) / "parts"
    cold = not cache.is_dir() or not any(cache.iterdir())
    rows = sum(len(context.get(key) or []) for key in ("facts", "correspondence", "exhibits"))
    if cold and rows >= PARALLEL_LIKELY_ROWS and workers != 1 and (os.cpu_count() or 1) > 1:
        _warm_up_workers()
    if signer is not None:
        context["signature_note"] = signer.note(context["lang"])
    limits = print_limits or DEFAULT_LIMITS
    files = {e["anchor"]: load_exhibit(e, limits=limits) for e in ordered_exhibits(context)}
    lap("exhibits")

    def notes_for(exhibits: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        chosen = []
        for exhibit in exhibits:
            item = files[exhibit["anchor"]]
            if item.kind == "note":
                chosen.append(
                    {
                        **exhibit,
                        "unreadable": item.reason,
                        "too_large": item.too_large,
                        "pixels": list(item.pixels) if item.pixels else None,
                    }
                )
        return chosen

    parts, ordered = render_parts(context, notes_for=notes_for)
    parts += printed_parts(context["lang"], ordered, files)
    lap("html")
    progress(20)

    cache.mkdir(parents=True, exist_ok=True)
    assets = asset_digest()
    part_files: list[PartFile] = []
    jobs = []
    metas: dict[str, dict[str, Any]] = {}
    for part in parts:
        key = hashlib.sha256(f"{assets}|{part.key}".encode()).hexdigest()
        pdf_path, meta_path = cache / f"{key}.pdf", cache / f"{key}.json"
        if pdf_path.exists() and meta_path.exists():
            metas[part.name] = json.loads(meta_path.read_text())
            os.utime(pdf_path)  # recently used: keep when pruning
        else:
            jobs.append((part.name, part.html, str(pdf_path), str(meta_path)))
        part_files.append(PartFile(part.name, part.section, pdf_path, {}))
    metas.update(
        _render_missing(jobs, workers, lambda done, total: progress(20 + 60 * done // total))
    )
    progress(80)
    for part_file in part_files:
        part_file.meta = metas[part_file.name]
    timings["parts_rendered"] = len(jobs)
    timings["parts_reused"] = len(parts) - len(jobs)
    lap("render")

    exhibit_files: list[ExhibitFile] = [files[e["anchor"]] for e in ordered]
    for item, exhibit in zip(exhibit_files, ordered, strict=True):
        item.exhibit = exhibit
    assembled = assemble(
        context=context,
        parts=part_files,
        exhibits=exhibit_files,
        titles=section_titles(context),
        claim_pdfa=claim_pdfa,
    )
    lap("assemble")
    progress(90)

    pdf_bytes = assembled.pdf_bytes
    if signer is not None:
        pdf_bytes = sign_pdf(pdf_bytes, signer_config=signer)
        lap("sign")
    if out_path is not None:
        out_path = Path(out_path)
        temporary = out_path.with_name(out_path.name + ".tmp")
        temporary.write_bytes(pdf_bytes)
        os.replace(temporary, out_path)
    timings["total"] = round(time.perf_counter() - started, 4)
    warnings = sorted({w for meta in metas.values() for w in meta.get("warnings", [])})
    return BuildResult(
        pdf_bytes=pdf_bytes,
        sha256=hashlib.sha256(pdf_bytes).hexdigest(),
        page_count=assembled.page_count,
        exhibit_start_pages=assembled.exhibit_start_pages,
        timings=timings,
        section_start_pages=assembled.section_start_pages,
        warnings=warnings,
        signed=signer is not None,
    )


def prune_cache(workdir: Path, *, older_than_days: float = 30) -> int:
    """Delete cached parts not used for ``older_than_days``; returns how many files went."""
    limit = time.time() - older_than_days * 86400
    removed = 0
    for path in (Path(workdir) / "parts").glob("*"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
