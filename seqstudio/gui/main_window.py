"""The main window: panels in docks, the preview in the middle, files and shortcuts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QToolBar,
    QWidget,
)

from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.about import AboutDialog
from seqstudio.gui.data_actions import DataActions
from seqstudio.gui.dataset_tools import DatasetTools
from seqstudio.gui.file_actions import FileActions
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.augment_panel import AugmentPanel
from seqstudio.gui.panels.base import signals_blocked
from seqstudio.gui.panels.sequence_panel import SequencePanel
from seqstudio.gui.panels.size_panel import SizePanel
from seqstudio.gui.panels.spacing_panel import SpacingPanel
from seqstudio.gui.preview_area import ZOOM_TITLES, PreviewArea
from seqstudio.gui.preview_canvas import ZOOMS
from seqstudio.gui.preview_controller import PreviewController
from seqstudio.gui.preview_render import PreviewFailure, PreviewResult, SheetResult
from seqstudio.gui.runners import QueuedRunner
from seqstudio.gui.seed_bar import SeedBar
from seqstudio.gui.settings import AppSettings
from seqstudio.gui.status_message import StatusMessage

LAYOUT_VERSION = 2  # dock layout of issue 16: Size above Augmentation on the right
PathChooser = Callable[[str, str, str], str]


class MainWindow(QMainWindow):
    """The seqstudio desktop window.

    Parameters
    ----------
    settings : AppSettings, optional
        Where layout, folders and recent presets persist (the user's settings by default).
    spec : GenerationSpec, optional
        Starting settings (defaults: ``GenerationSpec()`` on the bundled data).
    choose_open_path, choose_save_path, choose_directory : callable, optional
        File and folder choosers (file dialogs by default; tests pass their own).

    Signals
    -------
    closed
        The window shut down (workers stopped, settings saved).
    """

    closed = Signal()

    def __init__(
        self,
        settings: AppSettings | None = None,
        spec: GenerationSpec | None = None,
        choose_open_path: PathChooser | None = None,
        choose_save_path: PathChooser | None = None,
        choose_directory: Callable[[str, str], str] | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("seqstudio")
        self.settings = settings if settings is not None else AppSettings()
        self._choose_open = choose_open_path or self._open_dialog
        self._choose_save = choose_save_path or self._save_dialog
        self._shut_down = False

        self.model = GeneratorModel(spec, self)
        self.tasks = QueuedRunner(parent=self)
        self.preview = PreviewController(self.model, self)

        self.sequence_panel = SequencePanel(self.model, self.settings, choose_directory)
        self.spacing_panel = SpacingPanel(self.model)
        self.size_panel = SizePanel(self.model)
        self.augment_panel = AugmentPanel(self.model, self.tasks, settings=self.settings)
        self.seed_bar = SeedBar(self.model)
        self.files = FileActions(
            self.model, self.tasks, self.settings, self.seed_bar.is_locked, self
        )
        self.data_actions = DataActions(
            self, self.model, self.settings, self.tasks, choose_directory
        )

        self._build_central()
        self._build_docks()
        self._build_status_bar()
        self._build_actions()
        self._connect()
        self._restore_settings()
        self.preview.request_now()

    # ------------------------------------------------------------------ construction
    def _build_central(self) -> None:
        self.area = PreviewArea()
        self.info = self.area.info
        self.canvas = self.area.canvas
        self.canvas_scroll = self.area.canvas_scroll
        self.sheet = self.area.sheet
        self.zoom_combo = self.area.zoom_combo
        self.overlay_check = self.area.overlay_check
        self.setCentralWidget(self.area)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.sequence_dock = self._dock("Sequence", "dock_sequence", self.sequence_panel, left)
        self.spacing_dock = self._dock("Spacing", "dock_spacing", self.spacing_panel, left)
        self.size_dock = self._dock("Size", "dock_size", self.size_panel, right)
        self.augment_dock = self._dock("Augmentation", "dock_augment", self.augment_panel, right)
        self.resizeDocks(
            [self.sequence_dock, self.augment_dock], [270, 330], Qt.Orientation.Horizontal
        )

    def _build_status_bar(self) -> None:
        self.render_label = QLabel("render: –")
        # room for the longest text, so the status message never squeezes it
        self.render_label.setMinimumWidth(
            self.render_label.fontMetrics().horizontalAdvance("render: failed after 99999.9 ms") + 8
        )
        self.render_label.setToolTip("How long the worker took to render the large preview")
        self.problem_status = StatusMessage()
        self.statusBar().addWidget(self.problem_status, 1)
        self.statusBar().addPermanentWidget(self.render_label)

    def _action(self, menu: QMenu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = self._action(
            file_menu, "&Open preset…", self._on_open, QKeySequence.StandardKey.Open
        )
        self.recent_menu = file_menu.addMenu("Recent presets")
        self.save_action = self._action(
            file_menu, "&Save preset…", self._on_save_preset, QKeySequence.StandardKey.Save
        )
        self.save_preview_action = self._action(
            file_menu,
            "Save preview &image…",
            self._on_save_preview,
            "Ctrl+E",
            "PNG plus its labels and boxes as JSON",
        )
        file_menu.addSeparator()
        self.dataset_tools = DatasetTools(self, self.model, self.settings)
        self.dataset_tools.add_to_menu(file_menu)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        gen_menu = bar.addMenu("&Generate")
        self.regenerate_action = self._action(
            gen_menu, "&Regenerate", self.preview.regenerate, "F5"
        )
        self.reroll_action = self._action(gen_menu, "Re-roll &seed", self.seed_bar.reroll, "Ctrl+R")
        self.lock_action = self._action(gen_menu, "&Lock seed", self.seed_bar.set_locked, "Ctrl+L")
        self.lock_action.setCheckable(True)

        self.data_actions.add_to_menu(bar.addMenu("&Data"))

        view_menu = bar.addMenu("&View")
        self.zoom_actions: dict[str, QAction] = {}
        for k, zoom in enumerate(ZOOMS):
            self.zoom_actions[zoom] = self._action(
                view_menu,
                f"Zoom {ZOOM_TITLES[zoom]}",
                lambda _=False, z=zoom: self.set_zoom(z),
                f"Ctrl+{k}",
            )
        self._action(
            view_menu, "Zoom in", lambda: self._step_zoom(1), QKeySequence.StandardKey.ZoomIn
        )
        self._action(
            view_menu, "Zoom out", lambda: self._step_zoom(-1), QKeySequence.StandardKey.ZoomOut
        )
        self.overlay_action = self._action(
            view_menu, "Show digit &boxes", self.set_overlay, "Ctrl+B"
        )
        self.overlay_action.setCheckable(True)
        self.masks_action = self._action(
            view_menu, "Show instance &masks", self.set_masks, "Ctrl+M"
        )
        self.masks_action.setCheckable(True)
        self.smooth_action = self._action(
            view_menu, "S&mooth scaling", self.set_smooth, None, "Bilinear instead of sharp pixels"
        )
        self.smooth_action.setCheckable(True)
        view_menu.addSeparator()
        for k, title in enumerate(("&Preview", "Contact &sheet", "Solo / s&weep")):
            self._action(
                view_menu,
                title,
                lambda _=False, i=k: self.area.tabs.setCurrentIndex(i),
                f"Alt+{k + 1}",
            )
        view_menu.addSeparator()
        for dock in (self.sequence_dock, self.spacing_dock, self.size_dock, self.augment_dock):
            view_menu.addAction(dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About seqstudio", self.show_about)

        toolbar = QToolBar("Preview")
        toolbar.setObjectName("toolbar_preview")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        toolbar.addWidget(self.seed_bar)
        toolbar.addAction(self.regenerate_action)
        self.zoom_combo.currentIndexChanged.connect(
            lambda i: self.set_zoom(self.zoom_combo.itemData(i))
        )
        self.overlay_check.toggled.connect(self.set_overlay)
        self.area.masks_check.toggled.connect(self.set_masks)
        self.area.smooth_check.toggled.connect(self.set_smooth)
        toolbar.addSeparator()
        self.dataset_tools.add_to_toolbar(toolbar)
        self._rebuild_recent(self.files.recent())

    def _connect(self) -> None:
        self.preview.previewReady.connect(self._on_preview)
        self.preview.sheetReady.connect(self._on_sheet)
        self.area.sheetSizeChanged.connect(self.preview.set_sheet_count)
        self.area.sampleChosen.connect(self._on_sample_selected)
        self.augment_panel.compareRequested.connect(self._on_compare)
        self.model.specChanged.connect(self.area.refresh_comparison)
        self.preview.previewFailed.connect(self._on_failed)
        self.model.problemsChanged.connect(self._on_problems)
        self.canvas.hoverText.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.seed_bar.lockChanged.connect(self._on_lock_changed)
        self.files.failed.connect(self._show_problem_text)
        self.files.presetOpened.connect(lambda p: self.statusBar().showMessage(f"opened {p}", 5000))
        self.files.presetSaved.connect(lambda p: self.statusBar().showMessage(f"saved {p}", 5000))
        self.files.previewSaved.connect(
            lambda p: self.statusBar().showMessage(f"saved {p} (+ .json)", 5000)
        )
        self.files.recentChanged.connect(self._rebuild_recent)
        self.augment_panel.presetFailed.connect(self._show_problem_text)

    # ------------------------------------------------------------------ preview results
    def _on_preview(self, result: PreviewResult) -> None:
        sample = result.sample
        self.canvas.set_sample(sample.image, sample.meta, sample.mask_tint)
        self.info.set_meta(result.sample.meta)
        self.size_panel.set_width_range(result.width_range, result.spec)
        self.sequence_panel.set_known_labels(result.classes)
        if result.elapsed_ms:
            self.render_label.setText(f"render: {result.elapsed_ms:.1f} ms")
        self._on_problems(self.model.problems)

    def _on_sheet(self, result: SheetResult) -> None:
        self.sheet.set_samples(result.samples)
        self.sheet.set_selected(self.preview.selected_index)

    def _on_compare(self, kind: str, op: dict) -> None:
        spec = self.model.candidate if self.model.candidate is not None else self.model.spec
        self.area.compare_op(kind, op, spec)

    def _on_failed(self, failure: PreviewFailure) -> None:
        self.render_label.setText(f"render: failed after {failure.elapsed_ms:.1f} ms")
        self.sequence_panel.set_known_labels(failure.classes)
        self.size_panel.set_width_range(failure.width_range, failure.spec)

    def _on_problems(self, problems: dict[str, str]) -> None:
        if problems:
            text = "; ".join(f"{f}: {m}" for f, m in problems.items())
            self._show_problem_text(text)
            self.canvas.set_stale(True, "Invalid settings — showing the last good preview")
            self.sheet.set_stale(True)
        else:
            self.problem_status.set_message("")
            self.canvas.set_stale(False)
            self.sheet.set_stale(False)

    def _show_problem_text(self, text: str) -> None:
        self.problem_status.set_message(text)

    def _on_sample_selected(self, index: int) -> None:
        self.preview.select(index)

    def _on_lock_changed(self, locked: bool) -> None:
        with signals_blocked(self.lock_action):
            self.lock_action.setChecked(locked)
        self.reroll_action.setEnabled(not locked)

    # ------------------------------------------------------------------ view
    def set_zoom(self, zoom: str) -> None:
        """Set the canvas zoom (``fit``, ``1``, ``2``, ``4``, ``8``), keeping the view centred."""
        self.area.set_zoom(zoom)

    def _step_zoom(self, step: int) -> None:
        zooms = ZOOMS[1:]
        current = self.canvas.zoom()
        if current == "fit":
            scale = self.canvas.scale()
            current = max((z for z in zooms if float(z) <= scale), key=float, default="1")
        k = min(max(zooms.index(current) + step, 0), len(zooms) - 1)
        self.set_zoom(zooms[k])

    def set_overlay(self, on: bool) -> None:
        """Show or hide the per-digit boxes (on the preview and every grid)."""
        self._set_checked(on, self.overlay_check, self.overlay_action)

    def set_masks(self, on: bool) -> None:
        """Show or hide the instance-mask tints (on the preview and every grid)."""
        self._set_checked(on, self.area.masks_check, self.masks_action)

    def set_smooth(self, on: bool) -> None:
        """Smooth (bilinear) or sharp (nearest-neighbour) scaling of the preview."""
        self._set_checked(on, self.area.smooth_check, self.smooth_action)

    def _set_checked(self, on: bool, check: QCheckBox, action: QAction) -> None:
        for widget in (check, action):
            with signals_blocked(widget):
                widget.setChecked(bool(on))
        self.area.canvas.set_smooth(self.area.smooth_check.isChecked())
        self.area.apply_overlays()

    def show_about(self) -> AboutDialog:
        """Open the About box (non-blocking); return it."""
        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # ------------------------------------------------------------------ files
    def _open_dialog(self, title: str, start: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self, title, start, filters)[0]

    def _save_dialog(self, title: str, start: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self, title, start, filters)[0]

    def _on_open(self) -> None:
        path = self._choose_open(
            "Open preset", self.settings.last_folder("preset"), "Presets (*.json);;All files (*)"
        )
        if path:
            self.files.open_preset(path)

    def _on_save_preset(self) -> None:
        start = str(Path(self.settings.last_folder("preset") or Path.home()) / "preset.json")
        path = self._choose_save("Save preset", start, "Presets (*.json)")
        if path:
            self.files.save_preset(path)

    def _on_save_preview(self) -> None:
        if not self.save_preview():
            return

    def save_preview(self, path: str | Path | None = None) -> bool:
        """Save the shown sample (PNG + JSON); asks for a path when none is given."""
        result = self.preview.last_result
        if result is None:
            self._show_problem_text("nothing to save yet")
            return False
        if path is None:
            start = str(
                Path(self.settings.last_folder("preview") or Path.home())
                / f"{result.sample.meta.get('label', 'sample')}.png"
            )
            path = self._choose_save("Save preview image", start, "PNG images (*.png)")
            if not path:
                return False
        self.files.save_preview(result.sample.array, result.sample.meta, path)
        return True

    def _rebuild_recent(self, recent: list[str]) -> None:
        self.recent_menu.clear()
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.files.open_preset(p))
        self.recent_menu.setEnabled(bool(recent))

    # ------------------------------------------------------------------ settings, shutdown
    def _restore_settings(self) -> None:
        geometry = self.settings.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)  # an older layout is ignored
        zoom = self.settings.view_option("zoom", "fit")
        self.set_zoom(zoom if zoom in ZOOMS else "fit")
        self.set_overlay(self.settings.view_option("overlay", "0") == "1")
        self.set_masks(self.settings.view_option("masks", "0") == "1")
        self.set_smooth(self.settings.view_option("smooth", "0") == "1")

    def save_settings(self) -> None:
        """Write geometry, dock layout and view options."""
        self.settings.save_window(self.saveGeometry(), self.saveState(LAYOUT_VERSION))
        self.settings.set_view_option("zoom", self.canvas.zoom())
        self.settings.set_view_option("overlay", "1" if self.canvas.overlay() else "0")
        self.settings.set_view_option("masks", "1" if self.canvas.masks() else "0")
        self.settings.set_view_option("smooth", "1" if self.canvas.smooth() else "0")
        self.settings.sync()

    def shutdown(self) -> None:
        """Stop and await the render and task threads, then save the settings (idempotent)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.dataset_tools.shutdown()
        self.data_actions.shutdown()
        self.preview.shutdown()
        self.area.shutdown()
        self.tasks.shutdown()
        self.statusBar().clearMessage()
        for timer in self.findChildren(QTimer):
            timer.stop()  # status-bar messages, tooltips: nothing may outlive the window
        self.save_settings()
        self.closed.emit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self._shut_down and not self.dataset_tools.confirm_close():
            event.ignore()  # the user keeps the export running
            return
        self.shutdown()
        super().closeEvent(event)

    def is_running(self) -> bool:
        """Whether any thread or timer of the window is still active."""
        return (
            self.preview.is_running()
            or self.area.is_running()
            or self.tasks.is_running()
            or self.dataset_tools.is_running()
            or self.data_actions.is_running()
        )
