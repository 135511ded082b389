"""The QA engine: every check the CLI prints and the app lists, from one scan.

:func:`build_report` turns what a scan found into a :class:`QAReport`:

* ``corrupt``: files that cannot be read or decoded (empty, truncated, refused...);
* ``duplicate``: image files whose bytes repeat an earlier file;
* ``manifest``: bad manifest lines, records naming a file that is not there, and images
  in a manifest's folder that no record names; masks a record points to that are missing;
* ``leakage``: glyphs ``(pool, index)`` used by the records of more than one split;
* ``boxes``: boxes that are empty or lie outside their image (checked in the workers);
* ``masks``: masks whose ids disagree with the boxes (checked in the workers);
* ``layout``: in a folder without manifests, folders named like mask folders whose files
  were counted as images.

Each check lists at most :data:`MAX_LISTED` findings and counts all of them.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from seqstudio.core.stats.index import FolderIndex
from seqstudio.core.stats.model import CHECKS, DatasetStats, Finding, QAReport

#: Findings listed per check before the rest are only counted.
MAX_LISTED = 200


class _Collector:
    def __init__(self) -> None:
        self.report = QAReport()
        self.listed: dict[str, list[Finding]] = {check: [] for check in CHECKS}

    def add(self, check: str, path: str, reason: str) -> None:
        self.report.counts[check] += 1
        if len(self.listed[check]) < MAX_LISTED:
            self.listed[check].append(Finding(check, path, reason))

    def finish(self) -> QAReport:
        for check in CHECKS:
            self.report.findings.extend(sorted(self.listed[check], key=lambda f: f.path))
        return self.report


def build_report(
    stats: DatasetStats, index: FolderIndex, worker_findings: Iterable[Finding]
) -> QAReport:
    """Run every check over a complete scan.

    Parameters
    ----------
    stats : DatasetStats
        The scan's statistics (problems, duplicates).
    index : FolderIndex
        Roles and manifest facts of the folder.
    worker_findings : iterable of Finding
        ``boxes`` and ``masks`` findings from the decoding workers.
    """
    out = _Collector()
    for problem in stats.problems:
        check = "manifest" if problem.kind == "manifest" else "corrupt"
        out.add(check, problem.path, problem.reason)
    for group in stats.duplicate_groups:
        for path in group[1:]:
            out.add("duplicate", path, f"same bytes as {group[0]}")
    _mismatches(index, out)
    _leakage(index, out)
    for finding in worker_findings:
        out.add(finding.check, finding.path, finding.reason)
    for folder, count in sorted(index.mask_like.items()):
        out.add(
            "layout",
            folder,
            f"folder named like a mask folder: its {count} images are counted as images "
            "(no manifest says what they are); move it out or add a manifest",
        )
    report = out.finish()
    if not index.is_seqstudio:
        report.skipped["leakage"] = "no seqstudio glyph records (pool, glyph_indices)"
    if not index.expected_masks and not index.masks:
        report.skipped["masks"] = "no masks"
    if not any(image.boxes for image in index.images[:1000]):
        report.skipped["boxes"] = "no boxes in the manifests"
    if not index.has_manifest:
        report.skipped["manifest"] = "no manifest (foreign folder)"
    return report


def _mismatches(index: FolderIndex, out: _Collector) -> None:
    on_disk = {image.rel for image in index.images} | set(index.masks)
    named_by: dict[str, str] = {}
    folders: set[str] = set()
    for manifest, named in sorted(index.named.items()):
        if not named:
            continue  # npz datasets number rows, not files
        folders.add(posixpath.dirname(manifest))
        for rel in sorted(named):
            if rel in named_by:
                continue
            named_by[rel] = manifest
            if rel not in on_disk:
                out.add("manifest", rel, f"named by {manifest} but not on disk")
    if not folders:
        return
    for image in index.images:
        if image.rel in named_by:
            continue
        parent = posixpath.dirname(image.rel)
        owner = next((f for f in sorted(folders) if f == parent or _inside(parent, f)), None)
        if owner is not None:
            manifest = next(m for m in index.named if posixpath.dirname(m) == owner)
            out.add("manifest", image.rel, f"an image with no record in {manifest}")
    for rel, image in sorted(index.expected_masks.items()):
        if rel not in index.masks:
            out.add("masks", rel, f"the mask of {image.rel} is missing")


def _inside(path: str, folder: str) -> bool:
    return folder == "" or path.startswith(folder + "/")


def _leakage(index: FolderIndex, out: _Collector) -> None:
    names = sorted(split for split, glyphs in index.glyphs.items() if glyphs)
    for pos, a in enumerate(names):
        for b in names[pos + 1 :]:
            shared = sorted(index.glyphs[a] & index.glyphs[b])
            if shared:
                examples = ", ".join(f"{pool} #{i}" for pool, i in shared[:8])
                more = f" and {len(shared) - 8} more" if len(shared) > 8 else ""
                out.add(
                    "leakage",
                    f"{a} ∩ {b}",
                    f"{len(shared)} glyphs used by both splits: {examples}{more}",
                )


def problem_lines(report: QAReport, limit: int = 20) -> list[str]:
    """The report as text lines: one header per check with problems, then examples."""
    lines = []
    for check, title in CHECKS.items():
        count = report.counts.get(check, 0)
        if check in report.skipped and not count:
            lines.append(f"  {check}: not checked ({report.skipped[check]})")
            continue
        found = "ok" if not count else f"{count} problem{'s' if count > 1 else ''}"
        lines.append(f"  {check}: {found} - {title}")
        for finding in report.of(check)[:limit]:
            lines.append(f"    {finding.path}: {finding.reason}")
        if count > min(limit, len(report.of(check))):
            lines.append(f"    ... {count - min(limit, len(report.of(check)))} more (see --json)")
    return lines
