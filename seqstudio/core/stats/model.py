"""Plain-data results of a dataset scan: what the CLI prints and a GUI displays."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Name of the group that holds every image of the scan.
OVERALL = "(all)"
#: Category name of the images that lie directly in the scanned folder.
ROOT_CATEGORY = "."


@dataclass(frozen=True)
class FileProblem:
    """A file (or folder) the scan could not use, and why.

    Attributes
    ----------
    path : str
        Path relative to the scanned folder (POSIX separators).
    kind : str
        ``"empty"``, ``"corrupt"``, ``"too_large"``, ``"unsupported"``, ``"unreadable"``
        (cannot be opened), ``"folder"`` (a folder that cannot be listed or a symlink loop)
        or ``"manifest"`` (a bad line in ``metadata.jsonl`` / ``labels.csv``).
    reason : str
        What is wrong, in words a user can act on.
    """

    path: str
    kind: str
    reason: str


@dataclass
class LabelStats:
    """Labels from seqstudio manifests (``metadata.jsonl`` or ``labels.csv``).

    Attributes
    ----------
    entries : int
        Manifest rows counted.
    label_histogram : dict of str to int
        Rows per label text, most frequent first.
    length_histogram : dict of int to int
        Rows per label length (number of characters), by length.
    digit_counts : list of int
        How often each digit 0..9 occurs over all labels.
    other_characters : int
        Label characters that are not digits 0..9 (e.g. separators).
    missing_images : int
        Rows whose image file does not exist.
    """

    entries: int = 0
    label_histogram: dict[str, int] = field(default_factory=dict)
    length_histogram: dict[int, int] = field(default_factory=dict)
    digit_counts: list[int] = field(default_factory=lambda: [0] * 10)
    other_characters: int = 0
    missing_images: int = 0


@dataclass
class GroupStats:
    """Statistics of one category (sub-folder) or of the whole scan.

    Attributes
    ----------
    name : str
        Category (folder relative to the scanned root, ``"."`` for the root itself) or
        ``"(all)"`` for the whole scan.
    image_count : int
        Images decoded and counted.
    total_bytes : int
        Sum of their file sizes.
    formats, modes : dict of str to int
        Images per file format (``"PNG"``, ``"JPEG"``...) and per pixel mode. Modes use
        Pillow's names (``"L"``, ``"LA"``, ``"P"``, ``"RGB"``, ``"RGBA"``, ``"I;16"``...), with
        ``";16"`` appended for 16 bits per channel where Pillow has no name.
    sizes : dict of str to int
        Images per ``"WIDTHxHEIGHT"``, most frequent first.
    width_range, height_range : tuple of int
        Smallest and largest width and height (``(0, 0)`` when no image).
    channels : tuple of str
        Names of the reported channels: ``("L",)``, ``("R", "G", "B")`` or
        ``("R", "G", "B", "A")``; empty when there is no image.
    mean, std : tuple of float
        Per channel, over every pixel of every image, on values scaled to [0, 1]
        (8-bit by 255, 16-bit by 65535). ``std`` is the population standard deviation.
    pixel_count : int
        Pixels per channel that the mean and std are taken over.
    layouts : dict of str to int
        Images per source layout: ``"gray"``, ``"gray+alpha"``, ``"rgb"``, ``"rgba"``.
    mixed_channels : bool
        Whether the group mixes images with different channel counts.
    channel_note : str
        How mixed or converted images were counted (empty when nothing was converted).
    labels : LabelStats or None
        Labels of this group's images from seqstudio manifests, if any.
    """

    name: str
    image_count: int = 0
    total_bytes: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    width_range: tuple[int, int] = (0, 0)
    height_range: tuple[int, int] = (0, 0)
    channels: tuple[str, ...] = ()
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    pixel_count: int = 0
    layouts: dict[str, int] = field(default_factory=dict)
    mixed_channels: bool = False
    channel_note: str = ""
    labels: LabelStats | None = None


@dataclass
class MaskStats:
    """Instance masks of a seqstudio export (counted apart from the images).

    Attributes
    ----------
    count, total_bytes : int
        Masks decoded and their file sizes.
    ids_per_mask : dict of int to int
        Masks per number of distinct non-zero ids.
    coverage : float
        Share of all mask pixels that are non-zero.
    coverage_range : tuple of float
        Smallest and largest share of one mask.
    checked_against_boxes, disagreeing : int
        Masks compared with their image's boxes, and those whose ids disagree.
    """

    count: int = 0
    total_bytes: int = 0
    ids_per_mask: dict[int, int] = field(default_factory=dict)
    coverage: float = 0.0
    coverage_range: tuple[float, float] = (0.0, 0.0)
    checked_against_boxes: int = 0
    disagreeing: int = 0


#: The QA checks, in report order, with their titles.
CHECKS = {
    "corrupt": "Unreadable or corrupt files",
    "duplicate": "Duplicate files",
    "manifest": "Manifest / file mismatches",
    "leakage": "Glyphs shared across splits",
    "boxes": "Boxes empty or outside the image",
    "masks": "Masks disagreeing with boxes",
    "layout": "Possible masks counted as images",
}


@dataclass(frozen=True)
class Finding:
    """One problem a QA check found: which check, where, and what is wrong."""

    check: str
    path: str
    reason: str


@dataclass
class QAReport:
    """Every QA check's findings (at most ``listed`` each) and full counts.

    Attributes
    ----------
    findings : list of Finding
        In :data:`CHECKS` order, then by path.
    counts : dict of str to int
        Problems per check (may exceed the findings listed).
    skipped : dict of str to str
        Checks that could not run, and why (e.g. no seqstudio records).
    """

    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHECKS, 0))
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def problem_count(self) -> int:
        """Problems over all checks."""
        return sum(self.counts.values())

    def of(self, check: str) -> list[Finding]:
        """The findings of one check."""
        return [f for f in self.findings if f.check == check]


@dataclass
class DatasetStats:
    """Everything a scan of one folder found.

    Attributes
    ----------
    root : str
        The scanned folder (absolute).
    as_rgb : bool
        Whether every image was counted as RGB.
    max_pixels : int
        Images declaring more pixels than this were refused unread.
    categories : dict of str to GroupStats
        One entry per folder holding images, sorted by name.
    overall : GroupStats
        All images together.
    problems : list of FileProblem
        Files and folders that could not be used; they never stop the scan.
    non_image_files : int
        Files skipped because their extension is not an image type.
    non_image_examples : list of str
        The first few of those (at most 100).
    duplicate_groups : list of list of str
        Files with identical bytes (confirmed by a full SHA-1); each group sorted.
    manifests : list of str
        The manifest files that were read.
    labels : LabelStats or None
        Labels of all manifests together.
    files_total, files_done : int
        Image files found by the scan and image files processed so far.
    complete : bool
        ``False`` in partial results (progress updates, cancellation).
    elapsed : float
        Seconds the scan took.
    roles : dict of str to int
        Files per role (``image``, ``mask``, ``annotation``, ``other``), see
        :mod:`seqstudio.core.stats.index`.
    masks : MaskStats or None
        The masks, when the folder has any.
    qa : QAReport
        The QA checks (complete results only).
    pixel_maps : list of PixelMap
        Mean and std images per folder and size, then over all folders.
    pixel_maps_skipped : dict of str to int
        Images left out of the pixel maps (folders with too many sizes).
    sample_images : list of str
        A seeded uniform sample of at most 1,000 image paths (for sampled plots).
    """

    root: str
    as_rgb: bool
    max_pixels: int
    categories: dict[str, GroupStats]
    overall: GroupStats
    problems: list[FileProblem] = field(default_factory=list)
    non_image_files: int = 0
    non_image_examples: list[str] = field(default_factory=list)
    duplicate_groups: list[list[str]] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)
    labels: LabelStats | None = None
    files_total: int = 0
    files_done: int = 0
    complete: bool = True
    elapsed: float = 0.0
    roles: dict[str, int] = field(default_factory=dict)
    masks: MaskStats | None = None
    qa: QAReport = field(default_factory=QAReport)
    pixel_maps: list[Any] = field(default_factory=list, repr=False)
    pixel_maps_skipped: dict[str, int] = field(default_factory=dict)
    sample_images: list[str] = field(default_factory=list)

    @property
    def duplicate_files(self) -> int:
        """Files that repeat an earlier file's content."""
        return sum(len(group) - 1 for group in self.duplicate_groups)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of every field (tuples become lists)."""
        maps, self.pixel_maps = self.pixel_maps, []
        try:
            data = _lists(asdict(self))
        finally:
            self.pixel_maps = maps
        data["pixel_maps"] = [m.describe() for m in maps]
        data["duplicate_files"] = self.duplicate_files
        data["qa"]["problem_count"] = self.qa.problem_count
        return data

    def pixel_map_sizes(self, category: str) -> list[str]:
        """The sizes that have mean/std images in ``category``."""
        return [m.size for m in self.pixel_maps if m.category == category]

    def pixel_map(self, category: str, size: str | None = None) -> Any:
        """The mean/std images of ``category`` (``"(all)"`` for all), of ``size`` or the
        most common size; ``None`` if there are none."""
        for item in self.pixel_maps:  # sorted by count within a category
            if item.category == category and (size is None or item.size == size):
                return item
        return None


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(item) for item in value]
    return value
