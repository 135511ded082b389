"""Files built from a finished export's manifests: COCO, the YOLO yaml, the dataset card."""

from __future__ import annotations

from seqstudio.core.export import writers
from seqstudio.core.export.card import write_card
from seqstudio.core.export.coco import coco_header, glyph_license, write_coco
from seqstudio.core.export.job import ExportJob


def write_manifest_outputs(job: ExportJob, created: str) -> None:
    """Write COCO files (per split), ``data.yaml`` and ``README.md`` for a complete export.

    Parameters
    ----------
    job : ExportJob
        The finished export.
    created : str
        The export's creation time (ISO 8601), as ``dataset.json`` records it.
    """
    out, opts, spec = job.out_dir, job.options, job.spec
    present = [info for info in job.plan.splits if info.count]
    if "coco" in opts.annotations:
        for info in present:
            header = coco_header(
                settings=job.settings,
                split=info.name,
                created=created,
                classes=job.classes,
                license=glyph_license(spec.source),
            )
            write_coco(
                out / info.name,
                writers.read_records(out / info.name / writers.METADATA),
                header=header,
                width=spec.width,
                height=spec.height,
                max_glyphs=job.max_glyphs,
                masks=opts.masks,
            )
    if "yolo" in opts.annotations or "yolo-seg" in opts.annotations:
        text = writers.yolo_yaml(out, [info.name for info in present], job.classes)
        writers.write_atomic(out / writers.YOLO_YAML, text.encode())
    write_card(out, job.settings, {info.name: info.count for info in present}, job.max_glyphs)
