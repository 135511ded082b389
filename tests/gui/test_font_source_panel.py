"""Font glyph sources (and their mix with MNIST) chosen in the sequence panel."""

from pathlib import Path

import pytest
from qt_helpers import assert_canvas_matches_core, wait_good

from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.sequence_panel import SequencePanel, split_font_source

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")  # fonts-dejavu-core (CI installs it)
SANS = DEJAVU / "DejaVuSans.ttf"
needs_fonts = pytest.mark.skipif(not SANS.is_file(), reason="fonts-dejavu-core not installed")


def _choose(panel: SequencePanel, kind: str) -> None:
    panel.source_combo.setCurrentIndex(panel.source_combo.findData(kind))
    panel.source_combo.activated.emit(panel.source_combo.currentIndex())


def test_split_font_source():
    assert split_font_source("font:/f/a.ttf") == ("", "/f/a.ttf", 1.0)
    assert split_font_source("bundled+font:/f@0.3") == ("bundled", "/f", 0.3)
    assert split_font_source("idx:/m+font:/f@0.25") == ("idx:/m", "/f", 0.25)
    for other in ("bundled", "idx:/m", "folder:/l", "bundled+folder:/l@0.2", "a+font:/f@x"):
        assert split_font_source(other) is None, other
    assert split_font_source("bundled+font:/f@0.2+font:/g@0.1") is None


def test_font_file_and_folder_and_mix_weight(qtbot, settings, tmp_path):
    model = GeneratorModel(GenerationSpec())
    panel = SequencePanel(model, settings, lambda title, start: str(tmp_path / "fonts"))
    qtbot.addWidget(panel)
    starts = []

    def choose_file(title, start):
        starts.append(start)
        return str(tmp_path / "one.ttf")

    panel.choose_font_file = choose_file
    assert not panel.font_share.isEnabled()  # MNIST source: nothing to mix
    _choose(panel, "font-file")
    assert model.candidate.source == f"font:{tmp_path / 'one.ttf'}"
    assert panel.font_share.isEnabled() and panel.font_share.value() == 100
    assert settings.last_folder("fonts") == str(tmp_path)
    panel.font_share.setValue(30)  # 30 % font digits, the rest from bundled MNIST
    assert model.candidate.source == f"bundled+font:{tmp_path / 'one.ttf'}@0.3"
    assert panel.source_combo.currentData() == "font-file"
    assert panel.source_path.text() == str(tmp_path / "one.ttf")
    _choose(panel, "font")  # a folder of fonts keeps the share
    assert model.candidate.source == f"bundled+font:{tmp_path / 'fonts'}@0.3"
    assert panel.source_combo.currentData() == "font"
    panel.source_button.click()
    assert starts == [str(Path.home())]  # nothing remembered for fonts before the first choice
    # The MNIST source chosen before is what fonts are mixed into.
    _choose(panel, "idx")
    assert model.candidate.source == f"idx:{tmp_path / 'fonts'}"
    _choose(panel, "font-file")
    assert starts[-1] == str(tmp_path / "fonts")  # the remembered font folder
    assert model.candidate.source == f"idx:{tmp_path / 'fonts'}+font:{tmp_path / 'one.ttf'}@0.3"
    panel.font_share.setValue(100)
    assert model.candidate.source == f"font:{tmp_path / 'one.ttf'}"


def test_font_sources_from_the_model_are_shown(qtbot):
    model = GeneratorModel(GenerationSpec())
    panel = SequencePanel(model)
    qtbot.addWidget(panel)
    model.set_spec(GenerationSpec(source="bundled+font:/f/x.otf@0.25"))
    assert panel.source_combo.currentData() == "font-file"
    assert (panel.source_path.text(), panel.font_share.value()) == ("/f/x.otf", 25)
    model.set_spec(GenerationSpec(source="font:/f"))
    assert panel.source_combo.currentData() == "font"
    assert panel.font_share.value() == 100 and panel.font_share.isEnabled()
    model.set_spec(GenerationSpec(source="bundled+folder:/l@0.5"))  # another mix: as written
    assert panel.source_path.text() == "bundled+folder:/l@0.5"
    assert not panel.font_share.isEnabled()


@needs_fonts
def test_font_source_in_the_window_previews_and_reports_bad_folders(make_window, qtbot, tmp_path):
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    chosen = [str(empty)]
    window = make_window(choose_directory=lambda title, start: chosen[0])
    panel = window.sequence_panel
    _choose(
        panel, "font"
    )  # a folder without fonts: the message is inline, the last good spec stays
    qtbot.waitUntil(lambda: "source" in window.model.problems)
    assert "no font files" in panel.problem_text("source")
    assert window.model.spec.source == "bundled"
    chosen[0] = str(DEJAVU)
    _choose(panel, "font")
    wait_good(qtbot, window, source=f"font:{DEJAVU}")
    assert panel.problem_text("source") == ""
    assert_canvas_matches_core(window)
    panel.font_share.setValue(50)
    wait_good(qtbot, window, source=f"bundled+font:{DEJAVU}@0.5")
    assert_canvas_matches_core(window)
