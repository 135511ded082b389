"""Shard files for training at scale: WebDataset tar shards and Parquet shards.

Both are written sample by sample to a binary stream (one shard file per unit, see
:mod:`seqstudio.core.export.units`), so no more than one chunk of images is ever held
in memory, and both are deterministic: the same settings give the same bytes.

WebDataset (``format="webdataset"``)
    A POSIX (ustar) tar holding, per image, ``NNNNNN.png`` (the same PNG bytes the
    ``png`` export writes), ``NNNNNN.json`` (the image's manifest record) and, with
    masks, ``NNNNNN.mask.png``. ``NNNNNN`` is the global index, as in the file names of
    the ``png`` export. Every tar header has mtime 0, owner 0/0 and mode 0644, so the
    bytes depend only on the content. Written with the standard library's
    :mod:`tarfile` rather than ``webdataset.TarWriter``, which stamps the current time
    into every header; the ``webdataset`` package and ``datasets``' webdataset builder
    read the shards (tests check both).

Parquet (``format="parquet"``)
    One file per shard, written with pyarrow: ``image`` (and ``mask``) as the Hugging Face
    ``Image`` struct ``{bytes, path}`` with PNG bytes, and typed columns ``row``,
    ``index``, ``label``, ``digits``, ``boxes`` (``[x, y, w, h]`` per glyph), ``gaps``,
    ``pool``, ``glyph_indices``, ``seed``, ``key`` and ``params`` (JSON text: its keys
    depend on the augmentation). The schema carries Hugging Face feature metadata, so
    ``load_dataset("parquet", ...)`` decodes ``image`` to a PIL image.
"""

from __future__ import annotations

import io
import json
import tarfile
from typing import Protocol

from seqstudio.core.export import writers
from seqstudio.core.export.worker import Drawn


class ShardStream(Protocol):
    """What a shard writer writes onto: a binary stream that knows its position."""

    def write(self, data: bytes, /) -> int: ...

    def tell(self) -> int: ...


class ShardWriter(Protocol):
    """Writes one shard file's samples in order."""

    def add(self, samples: list[Drawn], lines: list[str]) -> None:
        """Append samples with their manifest lines (one each, newline-terminated)."""

    def close(self) -> None:
        """Finish the file (the stream itself is closed by the caller)."""


def open_shard_writer(fmt: str, stream: ShardStream, name_digits: int, masks: bool) -> ShardWriter:
    """A writer of ``fmt`` (``webdataset`` or ``parquet``) onto ``stream``."""
    if fmt == "webdataset":
        return TarShardWriter(stream, name_digits, masks)
    if fmt == "parquet":
        return ParquetShardWriter(stream, name_digits, masks)
    raise ValueError(f"{fmt!r} is not a shard format")


def _png(sample_image) -> bytes:
    return writers.encode_image(sample_image, "png", 0)


def _mask_png(sample: Drawn) -> bytes:
    assert sample.mask is not None  # called only when the export writes masks
    return _png(writers.mask_array(sample.mask, len(sample.labels)))


class TarShardWriter:
    """A WebDataset shard: ``NNNNNN.png``, ``NNNNNN.json`` (+ ``NNNNNN.mask.png``) per image."""

    def __init__(self, stream: ShardStream, name_digits: int, masks: bool) -> None:
        # typeshed's fileobj protocol also asks for read/seek/close, which stream mode
        # "w|" never calls: it only writes.
        self._tar = tarfile.open(  # type: ignore[call-overload]  # noqa: SIM115 - closed by close()
            fileobj=stream, mode="w|", format=tarfile.USTAR_FORMAT
        )
        self._digits = name_digits
        self._masks = masks

    def _member(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        info.mode = 0o644
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        self._tar.addfile(info, io.BytesIO(data))

    def add(self, samples: list[Drawn], lines: list[str]) -> None:
        """Append the samples' PNG, JSON record and (optionally) mask members."""
        for sample, line in zip(samples, lines):
            stem = writers.image_name(sample.index, self._digits)
            self._member(f"{stem}.png", _png(sample.image))
            self._member(f"{stem}.json", line.rstrip("\n").encode())
            if self._masks:
                self._member(f"{stem}.mask.png", _mask_png(sample))

    def close(self) -> None:
        """Write the tar's end-of-archive blocks."""
        self._tar.close()


def parquet_schema(masks: bool):
    """The Arrow schema of a Parquet shard (with Hugging Face ``Image`` feature metadata)."""
    import pyarrow as pa

    image = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    fields = [("image", image)]
    if masks:
        fields.append(("mask", image))
    fields += [
        ("row", pa.int64()),
        ("index", pa.int64()),
        ("label", pa.string()),
        ("digits", pa.list_(pa.string())),
        ("boxes", pa.list_(pa.list_(pa.int32(), 4))),
        ("gaps", pa.list_(pa.int32())),
        ("pool", pa.string()),
        ("glyph_indices", pa.list_(pa.int64())),
        ("seed", pa.int64()),
        ("key", pa.string()),
        ("params", pa.string()),
    ]
    features = {"image": {"_type": "Image"}}
    if masks:
        features["mask"] = {"_type": "Image"}
    metadata = {"huggingface": json.dumps({"info": {"features": features}})}
    return pa.schema(fields, metadata=metadata)


class ParquetShardWriter:
    """A Parquet shard: one row group per chunk of samples."""

    def __init__(self, stream: ShardStream, name_digits: int, masks: bool) -> None:
        import pyarrow.parquet as pq

        self._schema = parquet_schema(masks)
        # Statistics on PNG bytes are useless and large; no compression: PNG is compressed.
        self._writer = pq.ParquetWriter(
            stream,
            self._schema,
            compression={"image": "none", "mask": "none"} if masks else {"image": "none"},
            write_statistics=[n for n in self._schema.names if n not in ("image", "mask")],
        )
        self._digits = name_digits
        self._masks = masks

    def add(self, samples: list[Drawn], lines: list[str]) -> None:
        """Append one row group holding the samples."""
        import pyarrow as pa

        if not samples:
            return
        records = [json.loads(line) for line in lines]
        stems = [writers.image_name(s.index, self._digits) for s in samples]
        columns: dict[str, list] = {
            "image": [
                {"bytes": _png(s.image), "path": f"{stem}.png"} for s, stem in zip(samples, stems)
            ]
        }
        if self._masks:
            columns["mask"] = [
                {"bytes": _mask_png(s), "path": f"{stem}.mask.png"}
                for s, stem in zip(samples, stems)
            ]
        for name in ("row", "index", "label", "digits", "boxes", "gaps", "pool"):
            columns[name] = [r[name] for r in records]
        columns["glyph_indices"] = [r["glyph_indices"] for r in records]
        columns["seed"] = [r["seed"] for r in records]
        columns["key"] = [r["key"] for r in records]
        columns["params"] = [
            json.dumps(r["params"], ensure_ascii=False, sort_keys=True) for r in records
        ]
        self._writer.write_table(pa.Table.from_pydict(columns, schema=self._schema))

    def close(self) -> None:
        """Write the Parquet footer."""
        self._writer.close()
