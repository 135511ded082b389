"""The work done in each worker process: generate, encode and write one chunk of images.

Workers write the image (and mask / YOLO) files themselves — that is what scales — and
return the chunk's manifest records as text; the parent appends them to the manifests
in index order once every file of the chunk is complete.
"""

from __future__ import annotations

import os
import signal
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqstudio.core import rng
from seqstudio.core.export import writers
from seqstudio.core.export.checksums import file_line
from seqstudio.core.export.splits import ExportPlan, SplitInfo, split_source
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

    def run(self, chunk: Chunk, should_stop: Callable[[], bool]) -> ChunkResult:
        """Generate, encode and write ``chunk``; stop early (returning a prefix) if asked."""
        gen, index_map = self.generator(chunk.split, chunk.line)
        if self.config.format == "npz":
            return self._run_npz(chunk, gen, index_map)
        return self._run_files(chunk, gen, index_map, should_stop)

    # -------------------------------------------------------------- samples
    def _samples(self, chunk: Chunk, gen, masks: bool, should_stop: Callable[[], bool]):
        """Yield the chunk's samples, vectorised when the generator allows it."""
        if gen.vectorised:
            batch = gen.batch(chunk.start, chunk.count, masks=masks)
            keys = rng.image_keys(
                gen.spec.seed, np.arange(chunk.start, chunk.start + chunk.count)
            ).tolist()
            labels = tuple(gen.spec.digits)
            for k in range(chunk.count):
                yield Sample(
                    index=chunk.start + k,
                    key=keys[k],
                    image=batch.images[k],
                    labels=labels,
                    boxes=batch.boxes[k],
                    glyph_indices=batch.glyph_indices[k],
                    pool=gen.spec.pool,
                    gaps=batch.gaps[k],
                    mask=batch.masks[k] if masks else None,
                    params=batch.params[k],
                )
        else:
            for k in range(chunk.count):
                if should_stop():
                    return
                yield gen.generate(chunk.start + k, masks=masks)

    def _record(self, sample: Sample, index_map, file_name: str | None, row: int | None) -> str:
        glyphs = sample.glyph_indices if index_map is None else index_map[sample.glyph_indices]
        record = writers.manifest_record(
            sample, file_name=file_name, row=row, glyph_indices=glyphs, seed=self.spec.seed
        )
        return writers.record_line(record)

    # -------------------------------------------------------------- formats
    def _run_files(self, chunk: Chunk, gen, index_map, should_stop) -> ChunkResult:
        cfg = self.config
        split_dir = self.out_dir / chunk.split
        mask_dir = self.out_dir / writers.MASK_DIR
        suffix = "." + cfg.format
        yolo = "yolo" in cfg.annotations
        height, width = gen.spec.height, gen.spec.width
        records, csv_rows, written, files = [], [], [], []
        done = 0
        for sample in self._samples(chunk, gen, cfg.masks, should_stop):
            if should_stop():
                break
            stem = writers.image_name(sample.index, cfg.name_digits)
            file_name = stem + suffix
            data = writers.encode_image(sample.image, cfg.format, cfg.jpeg_quality)
            if cfg.masks:
                mask = writers.mask_array(sample.mask, len(sample.labels))
                encoded = writers.encode_image(mask, "png", 0)
                writers.write_atomic(mask_dir / f"{stem}.png", encoded)
                files.append(file_line(sample.index, f"{writers.MASK_DIR}/{stem}.png", encoded))
            if yolo:
                classes = [self.class_id[label] for label in sample.labels]
                text = writers.yolo_text(sample.boxes, classes, width, height)
                writers.write_atomic(split_dir / f"{stem}.txt", text)
                files.append(file_line(sample.index, f"{chunk.split}/{stem}.txt", text))
            writers.write_atomic(split_dir / file_name, data)
            files.append(file_line(sample.index, f"{chunk.split}/{file_name}", data))
            if gen.vectorised:
                written.append((file_name, sample))
            else:
                records.append(self._record(sample, index_map, file_name, None))
            csv_rows.append(writers.csv_line(file_name, sample.label))
            done += 1
        if written:
            records = [self._fixed_records(gen, index_map, written)]
        return ChunkResult(chunk.seq, done, "".join(records), "".join(csv_rows), "".join(files))

    def _fixed_records(self, gen, index_map, written: list[tuple[str, Sample]]) -> str:
        """Manifest records of written images of one fixed sequence, from one template."""
        samples = [sample for _, sample in written]
        glyphs = np.stack([s.glyph_indices for s in samples])
        return writers.fixed_sequence_records(
            file_names=[name for name, _ in written],
            labels=gen.spec.digits,
            boxes=np.stack([s.boxes for s in samples]),
            gaps=np.array([s.gaps for s in samples], np.int64).reshape(len(samples), -1),
            offsets=np.array([s.params["offset_x"] for s in samples], np.int64),
            pool=gen.spec.pool,
            glyph_indices=glyphs if index_map is None else index_map[glyphs],
            indices=np.array([s.index for s in samples], np.int64),
            seed=self.spec.seed,
            keys=np.array([s.key for s in samples], np.uint64),
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
        records = []
        for k, s in enumerate(samples):
            m = len(s.labels)
            glyphs = s.glyph_indices if index_map is None else index_map[s.glyph_indices]
            arrays["classes"][k, :m] = [self.class_id[label] for label in s.labels]
            arrays["boxes"][k, :m] = s.boxes
            arrays["glyph_indices"][k, :m] = glyphs
            records.append(self._record(s, index_map, None, chunk.row + k))
        partial = self.out_dir / writers.PARTIAL_DIR
        for name, array in arrays.items():
            offset, row_bytes = layout[name]
            _pwrite(partial / f"{chunk.split}-{name}.npy", array, offset + chunk.row * row_bytes)
        return ChunkResult(chunk.seq, n, "".join(records), "")

    def _run_npz_vectorised(self, chunk: Chunk, gen, index_map) -> ChunkResult:
        """npz for fixed sequences: arrays straight from the batch, records from one template."""
        cfg = self.config
        n = chunk.count
        batch = gen.batch(chunk.start, n, masks=cfg.masks)
        layout = cfg.npy_offsets[chunk.split]
        width = layout["max_glyphs"]
        labels = gen.spec.digits
        m = len(labels)
        boxes = np.stack(batch.boxes) if n else np.zeros((0, m, 4), np.int32)
        glyphs = np.stack(batch.glyph_indices) if n else np.zeros((0, m), np.int64)
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
        keys = rng.image_keys(gen.spec.seed, np.arange(chunk.start, chunk.start + n))
        offsets = np.array([p["offset_x"] for p in batch.params], np.int64)
        gaps = np.array(batch.gaps, np.int64).reshape(n, -1)
        records = writers.fixed_sequence_records(
            rows=np.arange(chunk.row, chunk.row + n),
            labels=labels,
            boxes=boxes,
            gaps=gaps,
            offsets=offsets,
            pool=gen.spec.pool,
            glyph_indices=glyphs,
            indices=arrays["index"],
            seed=self.spec.seed,
            keys=keys,
        )
        partial = self.out_dir / writers.PARTIAL_DIR
        for name, array in arrays.items():
            offset, row_bytes = layout[name]
            _pwrite(partial / f"{chunk.split}-{name}.npy", array, offset + chunk.row * row_bytes)
        return ChunkResult(chunk.seq, n, records, "")


def _pwrite(path: Path, array: np.ndarray, offset: int) -> None:
    data = memoryview(np.ascontiguousarray(array)).cast("B")
    fd = os.open(path, os.O_WRONLY)
    try:
        while data:
            written = os.pwrite(fd, data, offset)
            data, offset = data[written:], offset + written
    finally:
        os.close(fd)


# ------------------------------------------------------------------ process entry points
_STATE: WorkerState | None = None
_STOP = None


def init_worker(config: WorkerConfig, stop_event) -> None:
    """Process-pool initialiser: ignore Ctrl+C (the parent handles it) and build the state."""
    global _STATE, _STOP
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STATE = WorkerState(config)
    _STOP = stop_event


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Process-pool task: run one chunk in this worker."""
    assert _STATE is not None
    return _STATE.run(chunk, _STOP.is_set)
