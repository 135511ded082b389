"""The work done in each worker process: generate, encode and write one chunk of images.

Workers write the image (and mask / YOLO) files themselves — that is what scales — and
return the chunk's manifest records as text; the parent appends them to the manifests
in index order once every file of the chunk is complete.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqstudio.core import rng
from seqstudio.core.export import records, writers
from seqstudio.core.export.checksums import file_line
from seqstudio.core.export.splits import ExportPlan, SplitInfo, split_source
from seqstudio.core.export.yolo_seg import yolo_segments
from seqstudio.core.sample import Sample
from seqstudio.core.spec import GenerationSpec

GENERATOR_CACHE = 64


@dataclass(frozen=True)
class WorkerConfig:
    """What every worker needs, sent once when it starts (picklable)."""

    spec: dict
    plan: ExportPlan
    out_dir: str
    format: str
    jpeg_quality: int
    annotations: tuple[str, ...]
    masks: bool
    name_digits: int
    npy_offsets: dict  # split -> {"images": offset, "masks": offset}
    mask_dtype: str = "uint8"


@dataclass(frozen=True, slots=True)
class Drawn:
    """One generated image as the shard formats need it."""

    index: int
    image: np.ndarray
    mask: np.ndarray | None
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Chunk:
    """Consecutive images of one segment: global indices ``start … start + count − 1``."""

    seq: int
    split: str
    line: int
    start: int
    count: int
    row: int  # row of ``start`` within its split


@dataclass(frozen=True)
class ChunkResult:
    """What a worker hands back: how many images (a prefix) are complete, and their records."""

    seq: int
    done: int
    records: str
    labels_csv: str
    files: str = ""  # file-list lines: path, size and SHA-256 of every file written


def spec_for(
    spec: GenerationSpec, info: SplitInfo, labels: tuple[str, ...] | None
) -> GenerationSpec:
    """The spec a split's images of one sequence line are generated with."""
    changes: dict = {"pool": info.pool}
    if labels is not None:
        changes.update(digits=labels, random=None)
    return spec.replace(**changes)


class WorkerState:
    """Generators and glyph sources of one worker, built lazily and cached."""

    def __init__(self, config: WorkerConfig) -> None:
        from seqstudio.core.glyphs import open_source

        self.config = config
        self.spec = GenerationSpec.from_dict(config.spec)
        self.plan = config.plan
        source = open_source(self.spec.source)
        self.classes = source.classes
        self.class_id = {c: k for k, c in enumerate(self.classes)}
        self._sources = {
            info.name: split_source(source, info) for info in self.plan.splits if info.count
        }
        self._infos = {info.name: info for info in self.plan.splits}
        self._generators: OrderedDict = OrderedDict()
        self.out_dir = Path(config.out_dir)
        self._split_dirs: dict[str, str] = {}  # split -> "OUT/split/"

    def generator(self, split: str, line: int):
        """The (cached) generator for ``split`` and sequence ``line``, with its index map."""
        from seqstudio.core.generator import SequenceGenerator

        labels = self.plan.lines[line].labels
        key = (split, labels)
        entry = self._generators.get(key)
        if entry is None:
            source, index_map = self._sources[split]
            gen = SequenceGenerator(spec_for(self.spec, self._infos[split], labels), source)
            entry = (gen, index_map)
            self._generators[key] = entry
            if len(self._generators) > GENERATOR_CACHE:
                self._generators.popitem(last=False)
        else:
            self._generators.move_to_end(key)
        return entry

    @property
    def _need_masks(self) -> bool:
        """Masks are drawn when written, or when YOLO polygons are traced from them."""
        return self.config.masks or "yolo-seg" in self.config.annotations

    def run(self, chunk: Chunk, should_stop: Callable[[], bool]) -> ChunkResult:
        """Generate, encode and write ``chunk``; stop early (returning a prefix) if asked."""
        gen, index_map = self.generator(chunk.split, chunk.line)
        if self.config.format == "npz":
            return self._run_npz(chunk, gen, index_map)
        return self._run_files(chunk, gen, index_map, should_stop)

    def drawn_with_records(
        self, chunk: Chunk, should_stop: Callable[[], bool]
    ) -> tuple[list[Drawn], list[str]]:
        """The chunk's images (a prefix if stopped) and their manifest lines (``row`` heads).

        For the packed shard formats (:mod:`seqstudio.core.export.shard_files`): the lines
        equal the npz export's records, one per image, each ending in a newline.
        """
        gen, index_map = self.generator(chunk.split, chunk.line)
        masks = self.config.masks
        if not gen.vectorised:
            samples = list(self._samples(chunk, gen, masks, should_stop))
            drawn = [Drawn(s.index, s.image, s.mask, s.labels) for s in samples]
            rows = range(chunk.row, chunk.row + len(samples))
            return drawn, [self._record(s, index_map, None, r) for s, r in zip(samples, rows)]
        if should_stop():
            return [], []
        batch = gen.batch(chunk.start, chunk.count, masks=masks)
        labels = tuple(gen.spec.digits)
        drawn = [
            Drawn(chunk.start + k, batch.images[k], batch.masks[k] if masks else None, labels)
            for k in range(chunk.count)
        ]
        rows_of = np.arange(chunk.row, chunk.row + chunk.count)
        text = self._batch_records(gen, index_map, batch, chunk.count, rows=rows_of)
        return drawn, [line + "\n" for line in text[:-1].split("\n")]

    # -------------------------------------------------------------- samples
    def _samples(self, chunk: Chunk, gen, masks: bool, should_stop: Callable[[], bool]):
        """Yield the chunk's samples one by one (the generic, non-vectorised path)."""
        for k in range(chunk.count):
            if should_stop():
                return
            yield gen.generate(chunk.start + k, masks=masks)

    def _record(self, sample: Sample, index_map, file_name: str | None, row: int | None) -> str:
        glyphs = sample.glyph_indices if index_map is None else index_map[sample.glyph_indices]
        record = records.manifest_record(
            sample,
            file_name=file_name,
            row=row,
            glyph_indices=glyphs,
            seed=self.spec.seed,
            mask=self.config.masks,
        )
        return records.record_line(record)

    # -------------------------------------------------------------- formats
    def _write_files(self, split: str, index: int, image, mask, boxes, labels, size, files) -> str:
        """Write one image (and its mask / YOLO labels); return the image's file name.

        Appends each written file's file-list line to ``files``. Paths are plain strings:
        this runs once per image, and ``pathlib`` costs more than encoding a small PNG's
        header.
        """
        cfg = self.config
        split_dir = self._split_dirs.get(split)
        if split_dir is None:
            split_dir = self._split_dirs[split] = os.path.join(self.config.out_dir, split, "")
        stem = writers.image_name(index, cfg.name_digits)
        if cfg.masks:
            encoded = writers.encode_image(writers.mask_array(mask, len(labels)), "png", 0)
            rel = records.mask_file_name(stem)
            writers.write_atomic(split_dir + rel, encoded)
            files.append(file_line(index, f"{split}/{rel}", encoded))
        if "yolo" in cfg.annotations or "yolo-seg" in cfg.annotations:
            classes = [self.class_id[label] for label in labels]
            if "yolo-seg" in cfg.annotations:
                text = yolo_segments(mask, classes, *size)
            else:
                text = writers.yolo_text(boxes, classes, *size)
            writers.write_atomic(f"{split_dir}{stem}.txt", text)
            files.append(file_line(index, f"{split}/{stem}.txt", text))
        file_name = f"{stem}.{cfg.format}"
        data = writers.encode_image(image, cfg.format, cfg.jpeg_quality)
        writers.write_atomic(split_dir + file_name, data)
        files.append(file_line(index, f"{split}/{file_name}", data))
        return file_name

    def _run_files(self, chunk: Chunk, gen, index_map, should_stop) -> ChunkResult:
        if gen.vectorised:
            return self._run_files_vectorised(chunk, gen, index_map, should_stop)
        size = (gen.spec.width, gen.spec.height)
        lines: list[str] = []
        csv_rows: list[str] = []
        files: list[str] = []
        for sample in self._samples(chunk, gen, self._need_masks, should_stop):
            if should_stop():
                break
            file_name = self._write_files(
                chunk.split,
                sample.index,
                sample.image,
                sample.mask,
                sample.boxes,
                sample.labels,
                size,
                files,
            )
            lines.append(self._record(sample, index_map, file_name, None))
            csv_rows.append(writers.csv_line(file_name, sample.label))
        return ChunkResult(chunk.seq, len(lines), "".join(lines), "".join(csv_rows), "".join(files))

    def _run_files_vectorised(self, chunk: Chunk, gen, index_map, should_stop) -> ChunkResult:
        """Files of one fixed sequence: written from the batch arrays, records from a template."""
        size = (gen.spec.width, gen.spec.height)
        batch = gen.batch(chunk.start, chunk.count, masks=self._need_masks)
        labels = tuple(gen.spec.digits)
        names: list[str] = []
        files: list[str] = []
        for k in range(chunk.count):
            if should_stop():
                break
            mask = batch.masks[k] if self._need_masks else None
            names.append(
                self._write_files(
                    chunk.split,
                    chunk.start + k,
                    batch.images[k],
                    mask,
                    batch.boxes[k],
                    labels,
                    size,
                    files,
                )
            )
        n = len(names)
        text = self._batch_records(gen, index_map, batch, n, file_names=names)
        label = "".join(labels)
        csv = "".join(writers.csv_line(name, label) for name in names)
        return ChunkResult(chunk.seq, n, text, csv, "".join(files))

    def _batch_records(self, gen, index_map, batch, n: int, **head) -> str:
        """Manifest records of the first ``n`` images of a fixed-sequence batch."""
        if n == 0:
            return ""
        placed = batch.layout  # the vectorised batch's arrays: nothing to stack
        assert placed is not None  # set by every vectorised batch of n > 0 images
        glyphs = placed.glyph_indices[:n]
        start = batch.start
        return records.fixed_sequence_records(
            **head,
            masks=self.config.masks,
            labels=gen.spec.digits,
            boxes=placed.boxes[:n],
            gaps=placed.gaps[:n],
            offsets=placed.offsets[:n],
            pool=gen.spec.pool,
            glyph_indices=glyphs if index_map is None else index_map[glyphs],
            indices=np.arange(start, start + n, dtype=np.int64),
            seed=self.spec.seed,
            keys=rng.image_keys(gen.spec.seed, np.arange(start, start + n)),
        )

    def _run_npz(self, chunk: Chunk, gen, index_map) -> ChunkResult:
        if gen.vectorised:
            return self._run_npz_vectorised(chunk, gen, index_map)
        cfg = self.config
        samples = list(self._samples(chunk, gen, cfg.masks, lambda: False))
        n = len(samples)
        layout = cfg.npy_offsets[chunk.split]
        width = layout["max_glyphs"]
        arrays = {
            "images": np.stack([s.image for s in samples]),
            "labels": np.array([s.label for s in samples], dtype=layout["labels_dtype"]),
            "lengths": np.array([len(s.labels) for s in samples], "<i4"),
            "classes": np.full((n, width), -1, "<i4"),
            "boxes": np.full((n, width, 4), -1, "<i4"),
            "glyph_indices": np.full((n, width), -1, "<i8"),
            "index": np.arange(chunk.start, chunk.start + n, dtype="<i8"),
        }
        if cfg.masks:
            arrays["masks"] = np.stack([s.mask for s in samples]).astype(cfg.mask_dtype)
        lines = []
        for k, s in enumerate(samples):
            m = len(s.labels)
            glyphs = s.glyph_indices if index_map is None else index_map[s.glyph_indices]
            arrays["classes"][k, :m] = [self.class_id[label] for label in s.labels]
            arrays["boxes"][k, :m] = s.boxes
            arrays["glyph_indices"][k, :m] = glyphs
            lines.append(self._record(s, index_map, None, chunk.row + k))
        partial = self.out_dir / writers.PARTIAL_DIR
        for name, array in arrays.items():
            offset, row_bytes = layout[name]
            _pwrite(partial / f"{chunk.split}-{name}.npy", array, offset + chunk.row * row_bytes)
        return ChunkResult(chunk.seq, n, "".join(lines), "")

    def _run_npz_vectorised(self, chunk: Chunk, gen, index_map) -> ChunkResult:
        """npz for fixed sequences: arrays straight from the batch, records from one template."""
        cfg = self.config
        n = chunk.count
        batch = gen.batch(chunk.start, n, masks=cfg.masks)
        layout = cfg.npy_offsets[chunk.split]
        width = layout["max_glyphs"]
        labels = gen.spec.digits
        m = len(labels)
        placed = batch.layout  # the vectorised batch's arrays: nothing to stack
        boxes = placed.boxes if placed is not None else np.zeros((0, m, 4), np.int32)
        glyphs = placed.glyph_indices if placed is not None else np.zeros((0, m), np.int64)
        if index_map is not None:
            glyphs = index_map[glyphs]
        arrays = {
            "images": batch.images,
            "labels": np.full(n, "".join(labels), dtype=layout["labels_dtype"]),
            "lengths": np.full(n, m, "<i4"),
            "classes": np.full((n, width), -1, "<i4"),
            "boxes": np.full((n, width, 4), -1, "<i4"),
            "glyph_indices": np.full((n, width), -1, "<i8"),
            "index": np.arange(chunk.start, chunk.start + n, dtype="<i8"),
        }
        arrays["classes"][:, :m] = [self.class_id[label] for label in labels]
        arrays["boxes"][:, :m] = boxes
        arrays["glyph_indices"][:, :m] = glyphs
        if cfg.masks:
            arrays["masks"] = batch.masks.astype(cfg.mask_dtype)
        text = self._batch_records(
            gen, index_map, batch, n, rows=np.arange(chunk.row, chunk.row + n)
        )
        partial = self.out_dir / writers.PARTIAL_DIR
        for name, array in arrays.items():
            offset, row_bytes = layout[name]
            _pwrite(partial / f"{chunk.split}-{name}.npy", array, offset + chunk.row * row_bytes)
        return ChunkResult(chunk.seq, n, text, "")


def _pwrite(path: Path, array: np.ndarray, offset: int) -> None:
    data = np.ascontiguousarray(array).data.cast("B")
    fd = os.open(path, os.O_WRONLY)
    try:
        while data:
            written = os.pwrite(fd, data, offset)
            data, offset = data[written:], offset + written
    finally:
        os.close(fd)


# ------------------------------------------------------------------ process entry points
_STATE: WorkerState | None = None


def init_worker(config: WorkerConfig) -> None:
    """Pool initialiser (see :func:`seqstudio.core.process_pool.run_tasks`): build the state."""
    global _STATE
    _STATE = WorkerState(config)


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Pool task: run one chunk in this worker (stopping early when the parent asks)."""
    from seqstudio.core.process_pool import stop_requested

    assert _STATE is not None  # set by the pool's initializer
    return _STATE.run(chunk, stop_requested)
