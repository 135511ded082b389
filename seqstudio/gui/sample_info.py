"""Text about one sample: its label, boxes, gaps and realised random parameters."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return str(value)


def _format_op_records(records: Any, top: bool = True) -> str:
    """Augmentation records (dicts with ``op``, ``applied`` and drawn values), compactly."""
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, (list, tuple)):
        return _format_value(records)
    parts = []
    for record in records:
        if isinstance(record, (list, tuple)):  # one list per glyph
            inner = [_format_op_records(r, top=False) for r in record]
            parts.append("(" + ("; ".join(i for i in inner if i) or "–") + ")")
        elif isinstance(record, dict) and "op" in record:
            if record.get("applied", True) is False:
                continue
            values = ", ".join(
                f"{k} {_format_value(v)}"
                for k, v in record.items()
                if k not in ("op", "index", "applied")
            )
            parts.append(f"{record['op']}" + (f" {values}" if values else ""))
        else:
            parts.append(_format_value(record))
    text = ", ".join(p for p in parts if p)
    return text or ("none applied" if top else "")


def describe_sample(meta: dict[str, Any]) -> str:
    """Several lines describing a sample from its ``Sample.to_dict()``."""
    if not meta:
        return ""
    lines = [
        f"sample {meta.get('index', '?')}: label {meta.get('label', '')!r}",
        f"gaps: {_format_value(meta.get('gaps', []))}",
        f"boxes [x, y, w, h]: {_format_value(meta.get('boxes', []))}",
    ]
    for key, value in (meta.get("params") or {}).items():
        if "augment" in key:
            lines.append(f"{key}: {_format_op_records(value)}")
        else:
            lines.append(f"{key}: {_format_value(value)}")
    return "\n".join(lines)


class SampleInfo(QWidget):
    """The selected sample's label text (large) and its realised parameters."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label_text = QLabel("")
        self.label_text.setObjectName("labelText")
        font = self.label_text.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.label_text.setFont(font)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setFrameShape(QPlainTextEdit.Shape.NoFrame)
        self.details.setMaximumHeight(140)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label_text)
        layout.addWidget(self.details)

    def set_meta(self, meta: dict[str, Any]) -> None:
        """Show the sample described by ``meta``."""
        self.label_text.setText(f"label: {meta.get('label', '')}" if meta else "")
        self.details.setPlainText(describe_sample(meta))
