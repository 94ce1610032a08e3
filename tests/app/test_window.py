"""The main window driven like a person does: mouse strokes, keys, sliders, buttons, files."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QSlider,
    QTableWidget,
    QTabWidget,
    QToolButton,
    QWidget,
)

from capsviz.app.panel_ids import PANEL_TITLES
from capsviz.app.views.pixels import grey_qimage
from capsviz.model.weights import save_weights
from tests.app.app_helpers import SEVEN, WAIT_MS, draw_stroke, prediction


def wait_for_digit(qtbot, window, digit: int) -> None:
    qtbot.waitUntil(lambda: prediction(window).startswith(str(digit)), timeout=WAIT_MS)


def show_seven(qtbot, window) -> None:
    window.controller.show_sample(SEVEN)
    qtbot.waitUntil(lambda: window.state.sample is not None, timeout=WAIT_MS)
    wait_for_digit(qtbot, window, 7)


def test_automation_surface_is_there(window):
    for name in (
        "canvas",
        "predictionLabel",
        "lengthPlot",
        "routingView",
        "reconstructionView",
        "clearButton",
    ):
        assert window.findChild(QWidget, name) is not None, name
    for dim in range(16):
        slider = window.findChild(QSlider, f"poseSlider{dim}")
        assert slider.minimum() / 100 == -0.25 and slider.maximum() / 100 == 0.25
    assert isinstance(window.findChild(QTabWidget, "insightTabs"), QTabWidget)
    for name in (
        "canvas",
        "predictionLabel",
        "lengthPlot",
        "routingView",
        "reconstructionView",
        "poseSliders",
    ):
        assert window.findChild(QWidget, name).toolTip(), f"{name} explains itself in a tooltip"


def test_drawing_a_one_shows_one_live(window, qtbot):
    draw_stroke(window.canvas, [(0.5, 0.12), (0.51, 0.5), (0.5, 0.88)])
    wait_for_digit(qtbot, window, 1)
    lengths = window.length_plot.lengths()
    assert int(np.argmax(lengths)) == 1
    assert f"length {lengths[1]:.2f}" in prediction(window)
    seen = window.network_input.array()
    assert seen.shape == (28, 28) and seen.max() == pytest.approx(1.0)
    assert "inference" in window.status.latency.text()


def test_escape_clears_and_undo_redo_restore(window, qtbot):
    draw_stroke(window.canvas, [(0.5, 0.12), (0.5, 0.88)])
    wait_for_digit(qtbot, window, 1)
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: prediction(window).startswith("–"), timeout=WAIT_MS)
    assert window.canvas.is_blank()
    assert window.length_plot.lengths().max() == 0.0
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_for_digit(qtbot, window, 1)
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: prediction(window).startswith("–"), timeout=WAIT_MS)
    QTest.keyClick(
        window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    wait_for_digit(qtbot, window, 1)
    QTest.mouseClick(window.findChild(QToolButton, "clearButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: prediction(window).startswith("–"), timeout=WAIT_MS)


def test_mnist_digit_shows_on_canvas_with_prediction_and_status(window, qtbot, mnist_test):
    show_seven(qtbot, window)
    assert not window.canvas.is_blank()
    assert window.status.sample.text() == "MNIST test #0 · label 7 ✓"
    assert window.status.model.text() == "CapsNet · shipped weights · test accuracy 99.60%"
    assert window.status.device.text() == "CPU"
    window.controller.next_sample()
    qtbot.waitUntil(lambda: window.state.sample.index == 1, timeout=WAIT_MS)
    wait_for_digit(qtbot, window, int(mnist_test[1][1]))
    window.controller.previous_sample()
    qtbot.waitUntil(lambda: window.state.sample.index == 0, timeout=WAIT_MS)


def test_pose_slider_rerenders_the_perturbed_reconstruction(window, qtbot):
    show_seven(qtbot, window)
    view = window.reconstruction_view
    original = view.original.array()
    assert np.array_equal(original, view.perturbed.array()), "no offset yet: both agree"
    slider = window.findChild(QSlider, "poseSlider3")
    slider.setFocus()
    for _ in range(4):
        QTest.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == 20
    assert window.findChild(QLabel, "poseValue3").text() == "+0.20"
    assert window.state.pose_offsets[3] == pytest.approx(0.20)
    assert np.abs(view.perturbed.array() - original).max() > 0.02, "the decoder redrew at once"
    assert np.array_equal(view.original.array(), original), "the original stays for comparison"
    reset = window.pose_sliders.findChildren(QToolButton, "resetButton")[3]
    QTest.mouseClick(reset, Qt.MouseButton.LeftButton)
    assert slider.value() == 0 and np.array_equal(view.perturbed.array(), original)


def test_picking_another_capsule_steers_it(window, qtbot):
    show_seven(qtbot, window)
    plot = window.length_plot
    scene_point = plot.getPlotItem().vb.mapViewToScene(QPointF(3, 0.02))
    QTest.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=plot.mapFromScene(scene_point))
    qtbot.waitUntil(lambda: window.state.steered_capsule == 3, timeout=WAIT_MS)
    assert window.pose_sliders.capsule_buttons[3].isChecked()
    assert not window.pose_sliders.follow_button.isChecked()
    assert "capsule 3" in window.reconstruction_view.original._caption
    QTest.mouseClick(window.pose_sliders.follow_button, Qt.MouseButton.LeftButton)
    assert window.state.steered_capsule == 7


def test_routing_steps_show_the_iteration_and_its_coupling(window, qtbot, pretrained, mnist_test):
    show_seven(qtbot, window)
    view = window.routing_view
    assert view.title.text() == "Iteration 3 of 3"
    image = torch.from_numpy(window.state.input_image)[None, None]
    trace = pretrained.route(image, 3)
    QTest.mouseClick(view.controls.back_button, Qt.MouseButton.LeftButton)
    assert view.shown_iteration == 1 and view.title.text() == "Iteration 2 of 3"
    np.testing.assert_allclose(view.shown_coupling(), trace.coupling[0, 1].numpy(), atol=1e-5)
    hover = view.describe_cell(0, 7)
    assert hover.startswith("primary capsule ") and "c to digit 7 = " in hover and "iteration 2" in hover
    QTest.mouseClick(view.controls.first_button, Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(view.shown_coupling(), 0.1, atol=1e-6)
    assert view.controls.slider.value() == 0
    view.show_routing(window.state.outputs, 0, 0.5)
    assert view.title.text() == "Iteration 1 → 2 of 3"
    np.testing.assert_allclose(view.shown_coupling(), (0.1 + trace.coupling[0, 1].numpy()) / 2, atol=1e-5)
    view.controls.speed.setCurrentIndex(view.controls.speed.count() - 1)
    QTest.mouseClick(view.controls.play_button, Qt.MouseButton.LeftButton)
    assert window.state.playing
    qtbot.waitUntil(lambda: view.shown_iteration == 2 and not window.state.playing, timeout=WAIT_MS)
    view.controls.iterations.setValue(5)
    qtbot.waitUntil(lambda: view.title.text() == "Iteration 5 of 5", timeout=WAIT_MS)
    view.controls.slider.setValue(1)
    assert view.title.text() == "Iteration 2 of 5"


def clearest(model, mnist_test, digit: int) -> int:
    """Index of the test image of ``digit`` (among the first 20) the model is surest of."""
    images, labels = mnist_test
    candidates = np.flatnonzero(labels == digit)[:20]
    batch = torch.from_numpy(images[candidates]).float()[:, None] / 255.0
    with torch.no_grad():
        lengths = model(batch).lengths[:, digit]
    return int(candidates[int(lengths.argmax())])


def test_open_image_file_and_bad_file(window, qtbot, tmp_path, mnist_test, pretrained):
    images, _ = mnist_test
    index = clearest(pretrained, mnist_test, 3)
    photo = 255 - np.kron(images[index], np.ones((6, 6), np.uint8))  # dark ink on paper, 168×168
    good = tmp_path / "three.png"
    Image.fromarray(photo).save(good)
    window.controller.open_image(good)
    wait_for_digit(qtbot, window, 3)
    assert not window.canvas.is_blank()
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    window.controller.open_image(bad)
    qtbot.waitUntil(lambda: "not an image" in window.status.currentMessage(), timeout=WAIT_MS)
    assert prediction(window).startswith("3"), "a bad file loses nothing"


def test_paste_and_drop_images(window, qtbot, tmp_path, mnist_test, pretrained):
    images, _ = mnist_test
    index = clearest(pretrained, mnist_test, 4)
    QGuiApplication.clipboard().setImage(grey_qimage(images[index] / 255.0))
    window.paste()
    wait_for_digit(qtbot, window, 4)
    path = tmp_path / "digit.png"
    Image.fromarray(images[SEVEN]).save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    position = QPoint(200, 200)
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(position, Qt.DropAction.CopyAction, mime, buttons, keys)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    window.dropEvent(QDropEvent(position, Qt.DropAction.CopyAction, mime, buttons, keys))
    wait_for_digit(qtbot, window, 7)
    QGuiApplication.clipboard().setImage(QImage())
    QGuiApplication.clipboard().clear()
    window.paste()
    assert "no image" in window.status.currentMessage()


def test_bad_weights_file_shows_dialog_and_keeps_model(window, qtbot, tmp_path, pretrained):
    show_seven(qtbot, window)
    bad = tmp_path / "broken.safetensors"
    bad.write_bytes(b"\x00" * 64)
    window.controller.load_weights(bad)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorDialog") is not None, timeout=WAIT_MS)
    box = window.findChild(QMessageBox, "errorDialog")
    assert "broken.safetensors" in box.text() and "keeping the current model" in box.text()
    box.close()
    assert window.controller.model is pretrained
    good = tmp_path / "copy.safetensors"
    save_weights(pretrained, good, test_accuracy="0.9912")
    window.controller.load_weights(good)
    qtbot.waitUntil(lambda: "copy.safetensors" in window.status.model.text(), timeout=WAIT_MS)
    assert "99.12%" in window.status.model.text()
    wait_for_digit(qtbot, window, 7)


def test_window_without_weights_explains_how_to_train(qtbot, tmp_path):
    from capsviz.app import create_window

    win = create_window(weights=str(tmp_path / "missing.safetensors"), device="cpu", insight=False)
    qtbot.addWidget(win)
    win.show()
    assert win.banner.isVisible()
    assert "train_model.py" in win.banner.text() and "missing.safetensors" in win.banner.text()
    draw_stroke(win.canvas, [(0.5, 0.12), (0.5, 0.88)])
    qtbot.waitUntil(lambda: win.network_input.array() is not None, timeout=WAIT_MS)
    assert prediction(win).startswith("–") and "no model" in prediction(win)
    win.close()


def test_panels_are_shown_by_their_registered_id_and_help_lists_shortcuts(window, qtbot):
    tabs = window.insight_tabs  # this window has no analysis panels: only Routing is registered
    assert tabs.widget(0).content is window.routing_view and window.show_panel("routing")
    assert not window.show_panel("where") and not window.show_panel("no-such-panel")
    panel = QLabel("where")
    window.add_insight_panel("where", panel)
    assert window.show_panel("where") and tabs.tabText(tabs.currentIndex()) == PANEL_TITLES["where"]
    window.show_shortcuts()
    dialog = window.findChild(QWidget, "shortcutsDialog")
    assert dialog.isVisible()
    table = dialog.findChild(QTableWidget)
    rows = {table.item(r, 1).text(): table.item(r, 2).text() for r in range(table.rowCount())}
    assert rows["Undo"] == "Ctrl+Z" and "Ctrl+Shift+Z" in rows["Redo"] and rows["Clear Canvas"] == "Esc"
    assert rows["Play / Pause"] == "Space" and rows["Open Image…"] == "Ctrl+O"
    assert rows["Steer Capsule …"] == "0 … 9"
    dialog.close()


def test_closing_while_inference_runs_is_clean(window, qtbot):
    for k in range(5):
        draw_stroke(window.canvas, [(0.3 + 0.1 * k, 0.2), (0.3 + 0.1 * k, 0.8)])
    window.close()
    assert not any(thread.is_alive() for thread in window.controller.jobs.lane_threads())


def test_routing_keyboard_shortcuts(window, qtbot):
    show_seven(qtbot, window)
    window.activateWindow()
    window.controller.seek_routing(0)
    QTest.keyClick(window, Qt.Key.Key_Period)
    assert window.routing_view.shown_iteration == 1
    QTest.keyClick(window, Qt.Key.Key_Comma)
    assert window.routing_view.shown_iteration == 0
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert window.state.playing
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert not window.state.playing


def test_an_explicit_device_this_machine_lacks_is_an_error_as_on_the_command_line(qtbot):
    from capsviz.app import create_window
    from capsviz.model.device import DeviceError

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        create_window(device="cuda", insight=False)


def test_save_screenshot(window, tmp_path):
    target = tmp_path / "window.png"
    assert window.save_screenshot(str(target))
    assert Image.open(target).size == (window.width(), window.height())
    assert not window.save_screenshot(str(tmp_path / "missing" / "folder" / "x.png"))
    assert "could not write" in window.status.currentMessage()


def test_status_bar_says_when_an_mnist_digit_is_misread(qtbot):
    from capsviz.analysis.live import Sample
    from capsviz.app.views.status import StatusPanel

    status = StatusPanel()
    qtbot.addWidget(status)
    status.show_sample(Sample(12, 5), 3)
    assert status.sample.text() == "MNIST test #12 · label 5 ✗ predicted 3"
    status.show_sample(None, None)
    assert status.sample.text() == ""
