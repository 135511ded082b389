"""The export dialog's shard formats and Dask cluster (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from unit_helpers import tree

from seqstudio.core.export import ExportOptions, export_dataset
from seqstudio.gui.export_dialog import ExportDialog
from seqstudio.gui.model import GeneratorModel

distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")


def choose(dialog: ExportDialog, out: Path, fmt: str, per_file: int, address: str | None):
    dialog.count_spin.setValue(90)
    dialog.seed_edit.setText("5")
    dialog.splits_check.setChecked(False)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(fmt))
    dialog.workers_spin.setValue(1)
    dialog.scale_row.per_file_spin.setValue(per_file)
    dialog.scale_row.dask_check.setChecked(address is not None)
    dialog.scale_row.address_edit.setText(address or "")
    dialog.folder_edit.setText(str(out))


def test_shard_formats_are_offered_and_bad_addresses_shown_inline(qtbot, settings, tmp_path):
    dialog = ExportDialog(GeneratorModel(), settings)
    qtbot.addWidget(dialog)
    formats = [dialog.format_combo.itemData(k) for k in range(dialog.format_combo.count())]
    assert {"webdataset", "parquet"} <= set(formats)
    choose(dialog, tmp_path / "d", "png", 10, None)
    assert not dialog.scale_row.per_file_spin.isEnabled()
    dialog.coco_check.setChecked(True)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("webdataset"))
    assert dialog.scale_row.per_file_spin.isEnabled()
    assert not dialog.coco_check.isEnabled() and not dialog.coco_check.isChecked()
    dialog.scale_row.dask_check.setChecked(True)
    assert dialog.scale_row.address_edit.isEnabled()
    dialog.scale_row.address_edit.setText("not an address")
    qtbot.waitUntil(lambda: "scheduler:" in dialog.problem_label.text())
    assert "tcp://host:8786" in dialog.problem_label.text()
    assert not dialog.export_button.isEnabled()
    dialog.scale_row.address_edit.setText("tcp://127.0.0.1:8786")
    qtbot.waitUntil(dialog.is_ready, timeout=15000)
    assert dialog.build_request().cluster == "tcp://127.0.0.1:8786"
    dialog.shutdown()


@pytest.fixture(scope="module")
def cluster():
    """Module-scoped, so Dask's process-wide helper threads predate the leak guard."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        # Dask's process-wide offload thread lives as long as the process; start it now
        from distributed.utils import _offload_executor

        _offload_executor.submit(int).result()
        yield local


def test_dialog_exports_parquet_on_a_dask_cluster_like_the_core(cluster, qtbot, settings, tmp_path):
    dialog = ExportDialog(GeneratorModel(), settings)
    qtbot.addWidget(dialog)
    choose(dialog, tmp_path / "gui", "parquet", 25, cluster.scheduler_address)
    qtbot.waitUntil(dialog.is_ready, timeout=15000)
    with qtbot.waitSignal(dialog.exportFinished, timeout=120000) as blocker:
        dialog.export_button.click()
    result = blocker.args[0]
    assert result.complete and result.written == 90
    spec = dialog.build_request().spec
    dialog.shutdown()
    options = ExportOptions(format="parquet", images_per_file=25, workers=1)
    export_dataset(spec, 90, tmp_path / "core", options)
    assert len(list((tmp_path / "gui" / spec.pool).glob("*.parquet"))) == 4
    assert tree(tmp_path / "gui") == tree(tmp_path / "core")
