"""The batch-export dialog: same bytes as the CLI, cancel + resume, a responsive GUI thread,
inline folder problems, the summary and a clean close during an export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from export_readers import without_run_details
from PySide6.QtCore import QTimer

from seqstudio.core.export import ExportOptions, export_dataset, parse_splits
from seqstudio.gui.export_dialog import ExportDialog

ROOT = Path(__file__).resolve().parents[2]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def assert_same_dataset(a: Path, b: Path) -> None:
    """Byte-identical files; dataset.json equal but for its creation time."""
    ta, tb = tree(a), tree(b)
    assert sorted(ta) == sorted(tb)
    for name in ta:
        if name == "dataset.json":
            da, db = json.loads(ta[name]), json.loads(tb[name])
            assert da["settings"] == db["settings"]
            assert da["status"] == db["status"] == "complete"
        else:
            assert without_run_details(a, name, ta[name]) == without_run_details(
                b, name, tb[name]
            ), name


def fill(dialog: ExportDialog, out: Path, **fields) -> None:
    """Set the dialog's fields as a user would."""
    dialog.count_spin.setValue(fields.get("count", 40))
    dialog.seed_edit.setText(str(fields.get("seed", 7)))
    splits = fields.get("splits")
    dialog.splits_check.setChecked(splits is not None)
    if splits:
        dialog.splits_edit.setText(splits)
    fmt = fields.get("format", "png")
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(fmt))
    dialog.coco_check.setChecked(fields.get("coco", False))
    dialog.yolo_check.setChecked(fields.get("yolo", False))
    dialog.masks_check.setChecked(fields.get("masks", False))
    dialog.workers_spin.setValue(fields.get("workers", 1))
    dialog.folder_edit.setText(str(out))


def cancel_on_first_images(dialog: ExportDialog):
    """Connect a slot that cancels each export as soon as images are reported; return it."""

    def cancel_early(progress):
        if progress.done > 0:
            dialog.cancel_export()

    dialog.runner.progressed.connect(cancel_early)
    return cancel_early


def run_export(qtbot, dialog: ExportDialog, timeout: int = 60000):
    qtbot.waitUntil(dialog.is_ready, timeout=15000)
    with qtbot.waitSignal(dialog.exportFinished, timeout=timeout) as blocker:
        dialog.export_button.click()
    return blocker.args[0]


def test_dialog_export_equals_cli_export(window, qtbot, tmp_path):
    window.model.set_values(digits=("3", "0", "7", "1"), spacing_max=12)
    qtbot.waitUntil(
        lambda: window.model.is_good() and window.model.spec.digits == ("3", "0", "7", "1")
    )
    dialog = window.dataset_tools.open_export()
    assert "digits 3071" in dialog.spec_label.text()
    out = tmp_path / "gui"
    fill(
        dialog, out, count=40, seed=11, splits="train=0.5,val=0.25,test=0.25", coco=True,
        yolo=True, masks=True, workers=2,
    )  # fmt: skip
    qtbot.waitUntil(dialog.is_ready, timeout=15000)
    assert "40 images to write" in dialog.estimate_label.text()
    result = run_export(qtbot, dialog)
    assert result.complete and not result.cancelled and result.written == 40
    assert "Done: 40 images" in dialog.summary_label.text()

    spec_file = tmp_path / "spec.json"
    window.model.spec.replace(seed=11).save(spec_file)
    cli_out = tmp_path / "cli"
    proc = subprocess.run(
        [sys.executable, "-m", "seqstudio", "export", "--spec", str(spec_file), "-o", str(cli_out),
         "--count", "40", "--split", "train=0.5,val=0.25,test=0.25", "--annotations", "coco,yolo",
         "--masks", "--workers", "1", "-q"],
        capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": os.environ["HOME"]},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert_same_dataset(out, cli_out)
    assert window.settings.last_folder("export") == str(out)


def test_after_cancel_the_progress_line_keeps_saying_cancelling(qtbot, settings, tmp_path):
    from seqstudio.gui.model import GeneratorModel

    dialog = ExportDialog(GeneratorModel(), settings)
    qtbot.addWidget(dialog)
    try:
        fill(dialog, tmp_path / "out", count=3000, workers=1)
        qtbot.waitUntil(dialog.is_ready, timeout=15000)
        after_cancel: list = []

        def cancel_once(progress):
            if progress.done > 0 and not after_cancel:
                dialog.runner.progressed.disconnect(cancel_once)
                dialog.cancel_export()
                after_cancel.append(dialog.progress_label.text())
                dialog.runner.progressed.connect(after_cancel.append)

        dialog.runner.progressed.connect(cancel_once)
        with qtbot.waitSignal(dialog.exportFinished, timeout=60000) as blocker:
            dialog.export_button.click()
        assert blocker.args[0].cancelled
        # the engine's last snapshot (sent as it stops) is not shown over "cancelling…"
        [shown] = after_cancel
        assert shown.endswith(" — cancelling…")
        done = blocker.args[0].already_done + blocker.args[0].written
        assert dialog.progress_label.text() == f"{done:,} / 3,000 images — cancelled"
    finally:
        dialog.shutdown()


def test_cancel_leaves_a_consistent_dataset_and_resume_completes_it(qtbot, settings, tmp_path):
    from seqstudio.gui.model import GeneratorModel

    model = GeneratorModel()
    dialog = ExportDialog(model, settings)
    qtbot.addWidget(dialog)
    try:
        out = tmp_path / "partial"
        fill(dialog, out, count=3000, seed=3, splits="train=0.8,test=0.2", workers=1)
        qtbot.waitUntil(dialog.is_ready, timeout=15000)

        cancel_early = cancel_on_first_images(dialog)
        with qtbot.waitSignal(dialog.exportFinished, timeout=60000) as blocker:
            dialog.export_button.click()
        result = blocker.args[0]
        assert result.cancelled and 0 < result.written < 3000
        assert "Cancelled:" in dialog.summary_label.text()
        assert dialog.resume_button.isVisible() or not dialog.isVisible()
        # Consistent: every record names a complete file, every file has a record.
        records = 0
        for split in ("train", "test"):
            lines = (
                (out / split / "metadata.jsonl").read_text().splitlines()
                if (out / split / "metadata.jsonl").exists()
                else []
            )
            names = {json.loads(line)["file_name"] for line in lines}
            files = {p.name for p in (out / split).glob("*.png")}
            assert names == files
            records += len(lines)
        assert records == result.written
        assert json.loads((out / "dataset.json").read_text())["status"] == "incomplete"

        dialog.runner.progressed.disconnect(cancel_early)
        with qtbot.waitSignal(dialog.exportFinished, timeout=60000) as blocker:
            assert dialog.resume_export()
        resumed = blocker.args[0]
        assert resumed.complete and resumed.already_done == result.written
        reference = tmp_path / "reference"
        export_dataset(
            model.spec.replace(seed=3), 3000, reference,
            ExportOptions(splits=parse_splits("train=0.8,test=0.2"), workers=1),
        )  # fmt: skip
        assert_same_dataset(out, reference)
    finally:
        dialog.shutdown()


def test_resume_uses_the_settings_recorded_in_dataset_json(window, qtbot, tmp_path):
    """Cancel, change the preview's width, resume twice (Export with "resume", then the
    Resume button): the dataset equals an uninterrupted CLI export of the ORIGINAL settings."""
    dialog = window.dataset_tools.open_export()
    out = tmp_path / "resumed"
    fill(dialog, out, count=3000, seed=5, splits="train=0.8,test=0.2", workers=1)
    qtbot.waitUntil(dialog.is_ready, timeout=15000)
    original = window.model.spec.replace(seed=5)
    assert original.width == 200

    cancel_early = cancel_on_first_images(dialog)
    with qtbot.waitSignal(dialog.exportFinished, timeout=60000) as blocker:
        dialog.export_button.click()
    first = blocker.args[0]
    assert first.cancelled and 0 < first.written < 3000

    # The preview moves on: the dialog's current settings now differ from the folder's.
    window.model.set_values(width=240)
    qtbot.waitUntil(lambda: window.model.is_good() and window.model.spec.width == 240)
    dialog.count_spin.setValue(50)
    dialog.existing_combo.setCurrentIndex(dialog.existing_combo.findData("resume"))
    qtbot.waitUntil(dialog.is_ready, timeout=15000)
    note = dialog.resume_label.text()
    assert dialog.resume_label.isVisibleTo(dialog)
    assert "settings recorded in dataset.json: 14543, 200×28, 3,000 images" in note
    assert "width 240 (recorded 200)" in note and "count 50 (recorded 3,000)" in note
    assert f"{first.written:,} already in the folder" in dialog.estimate_label.text()
    with qtbot.waitSignal(dialog.exportFinished, timeout=60000) as blocker:
        assert dialog.start_export()
    second = blocker.args[0]
    assert second.cancelled and second.already_done == first.written
    assert second.total == 3000
    recorded = json.loads((out / "dataset.json").read_text())
    assert recorded["settings"]["spec"]["width"] == 200 and recorded["status"] == "incomplete"

    # The Resume button reads dataset.json on the runner's worker and says what it uses.
    dialog.runner.progressed.disconnect(cancel_early)
    dialog.existing_combo.setCurrentIndex(dialog.existing_combo.findData("refuse"))
    assert dialog.resume_button.isVisibleTo(dialog)
    with qtbot.waitSignal(dialog.exportFinished, timeout=60000) as blocker:
        assert dialog.resume_export()
    third = blocker.args[0]
    assert third.complete and third.already_done == first.written + second.written
    note = dialog.resume_label.text()
    assert "settings recorded in dataset.json: 14543, 200×28, 3,000 images" in note
    assert "width 240 (recorded 200)" in note
    assert dialog.runner.last_request.spec == original

    spec_file = tmp_path / "original.json"
    original.save(spec_file)
    cli_out = tmp_path / "cli"
    proc = subprocess.run(
        [sys.executable, "-m", "seqstudio", "export", "--spec", str(spec_file), "-o", str(cli_out),
         "--count", "3000", "--split", "train=0.8,test=0.2", "--workers", "1", "-q"],
        capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": os.environ["HOME"]},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert_same_dataset(out, cli_out)


def test_event_loop_never_stalls_during_a_20000_image_export(qtbot, settings, tmp_path):
    """20,000 images (npz, two worker processes): the GUI thread keeps ticking every 5 ms."""
    from seqstudio.gui.model import GeneratorModel

    dialog = ExportDialog(GeneratorModel(), settings)
    qtbot.addWidget(dialog)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    try:
        fill(dialog, tmp_path / "big", count=20000, format="npz", workers=2)
        qtbot.waitUntil(dialog.is_ready, timeout=15000)
        timer.start()
        with qtbot.waitSignal(dialog.exportFinished, timeout=120000) as blocker:
            dialog.export_button.click()
        timer.stop()
        result = blocker.args[0]
        assert result.complete and result.written == 20000
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        assert len(ticks) > 20
        assert max(gaps) < 0.100, f"largest gap {max(gaps) * 1000:.0f} ms"
        assert dialog.progress_bar.value() == 1000
    finally:
        timer.stop()
        dialog.shutdown()


def test_unusable_folders_are_refused_inline(qtbot, settings, tmp_path):
    from seqstudio.gui.model import GeneratorModel

    dialog = ExportDialog(GeneratorModel(), settings)
    qtbot.addWidget(dialog)
    try:
        full = tmp_path / "full"
        full.mkdir()
        (full / "notes.txt").write_text("mine")
        fill(dialog, full)
        qtbot.waitUntil(lambda: dialog.problem_label.isVisibleTo(dialog), timeout=15000)
        assert "is not empty" in dialog.problem_label.text()
        assert not dialog.export_button.isEnabled()
        a_file = tmp_path / "file.txt"
        a_file.write_text("x")
        dialog.folder_edit.setText(str(a_file))
        qtbot.waitUntil(lambda: "not a folder" in dialog.problem_label.text(), timeout=15000)
        assert not dialog.export_button.isEnabled()
        dialog.seed_edit.setText("seven")
        assert "seed" in dialog.problem_label.text() and "'seven'" in dialog.problem_label.text()
        dialog.seed_edit.setText("7")
        dialog.folder_edit.setText(str(tmp_path / "new"))
        qtbot.waitUntil(dialog.is_ready, timeout=15000)
        assert not dialog.problem_label.isVisibleTo(dialog)
        assert not (tmp_path / "new").exists()  # checking writes nothing
    finally:
        dialog.shutdown()


def test_summary_open_folder_and_inspect(window, qtbot, tmp_path):
    dialog = window.dataset_tools.open_export()
    opened = []
    dialog.open_url = lambda url: opened.append(url.toLocalFile()) or True
    out = tmp_path / "done"
    fill(dialog, out, count=12)
    run_export(qtbot, dialog)
    assert dialog.open_folder()
    assert opened == [str(out)]
    dialog.inspect_button.click()
    inspector = window.dataset_tools.inspector
    assert inspector is not None and inspector.isVisible()
    panel = inspector.panel
    qtbot.waitUntil(lambda: panel.stats is not None and not panel.is_running(), timeout=60000)
    assert panel.stats.overall.image_count == 12
    assert panel.folder_edit.text() == str(out)


def test_closing_the_window_during_an_export_asks_then_cancels(make_window, qtbot, tmp_path):
    window = make_window()
    dialog = window.dataset_tools.open_export()
    asked = []
    dialog.confirm = lambda title, text: asked.append(text) or len(asked) > 1
    out = tmp_path / "closing"
    fill(dialog, out, count=20000, workers=1)
    qtbot.waitUntil(dialog.is_ready, timeout=15000)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.runner.last_progress is not None, timeout=30000)
    assert not window.close()  # the user said no: the export goes on
    assert dialog.is_running() and len(asked) == 1
    assert window.close()  # yes: cancelled and awaited
    assert len(asked) == 2 and not dialog.is_running() and not window.is_running()
    doc = json.loads((out / "dataset.json").read_text())
    assert doc["status"] == "incomplete"
    lines = (out / "train" / "metadata.jsonl").read_text().splitlines()
    assert len(lines) == len(list((out / "train").glob("*.png"))) < 20000


def test_closing_the_dialog_during_an_export_keeps_its_summary_and_resume(
    qtbot, settings, tmp_path
):
    from seqstudio.gui.model import GeneratorModel

    dialog = ExportDialog(GeneratorModel(), settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.confirm = lambda title, text: True  # "Cancel it?" — yes
    try:
        fill(dialog, tmp_path / "closing", count=3000, workers=1)
        qtbot.waitUntil(dialog.is_ready, timeout=15000)
        with qtbot.waitSignal(dialog.runner.progressed, timeout=30000):
            dialog.export_button.click()
        with qtbot.waitSignal(dialog.exportFinished, timeout=30000) as blocker:
            assert dialog.close()  # cancelled and awaited; its outcome still arrives
        assert blocker.args[0].cancelled
        dialog.show()  # opened again from the menu
        assert "Cancelled:" in dialog.summary_label.text() and dialog.resume_button.isVisible()
        with qtbot.waitSignal(dialog.exportFinished, timeout=60000) as blocker:
            assert dialog.resume_export()
        assert blocker.args[0].complete
    finally:
        dialog.shutdown()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-v"]))
