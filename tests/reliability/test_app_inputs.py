"""Bad pictures and weights through the explorer's own doors: File → Open, drag-and-drop,
paste and File → Load Weights. Each is shown and predicted, or refused with one line in the
status bar or a dialog; the drawing and the network on screen are never lost."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from bad_files import empty, folder, missing, png_header_only, random_bytes, text_renamed
from PIL import Image
from PySide6.QtCore import QEvent, QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from safetensors.torch import save_file

from capsviz.data.images import MAX_PIXELS, WORK_SIDE
from capsviz.model.weights import save_weights
from tests.app.app_helpers import SEVEN, WAIT_MS, all_answered, canvas_point, prediction

ENTRIES = ("open", "drop", "paste")


# --- the window, shared by the module: each test leaves a drawing and its answer on screen ----


class ChosenFile:
    """Stands in for ``QFileDialog``: the person picks ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def getOpenFileName(self, *args: object) -> tuple[str, str]:
        return str(self.path), ""


@pytest.fixture(scope="module")
def window(qapp, pretrained):
    from capsviz.app import create_window

    win = create_window(model=pretrained, insight=False, device="cpu")
    win.show()
    yield win
    win.close()
    win.deleteLater()


@pytest.fixture
def drawn(window, qtbot):
    """A hand-drawn 1 on the canvas, answered: what a refused input must not lose."""
    canvas = window.canvas
    if canvas.is_blank() or not all_answered(window) or not prediction(window).startswith("1"):
        canvas.clear()
        QTest.mousePress(
            canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas_point(canvas, 0.5, 0.15)
        )
        for fy in np.linspace(0.15, 0.85, 15):
            QTest.mouseMove(canvas, canvas_point(canvas, 0.5, fy))
        QTest.mouseRelease(
            canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas_point(canvas, 0.5, 0.85)
        )
        qtbot.waitUntil(lambda: all_answered(window) and prediction(window).startswith("1"), timeout=WAIT_MS)
    window.status.clearMessage()
    return canvas.pixels(), prediction(window)


def file_mime(path: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def drop(window, mime: QMimeData) -> None:
    """Drag ``mime`` over the window and let go, as the window system delivers it."""
    position, buttons, keys = QPoint(200, 200), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(position, Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(position, Qt.DropAction.CopyAction, mime, buttons, keys))


def paste(window, mime: QMimeData) -> None:
    QGuiApplication.clipboard().setMimeData(mime)
    window.actions_by_name["paste"].trigger()


def give_file(window, entry: str, path: Path, monkeypatch) -> None:
    """Hand ``path`` to the app through File → Open, a drop or a paste of the copied file."""
    if entry == "open":
        monkeypatch.setattr("capsviz.app.window.QFileDialog", ChosenFile(path))
        window.actions_by_name["open"].trigger()
    elif entry == "drop":
        drop(window, file_mime(path))
    else:
        paste(window, file_mime(path))


def assert_refused(window, qtbot, before, expected: str) -> str:
    """``expected`` shows in the status bar as one line; drawing and answer are unchanged."""
    qtbot.waitUntil(lambda: expected in window.status.currentMessage(), timeout=WAIT_MS)
    message = window.status.currentMessage()
    assert "\n" not in message and "Traceback" not in message and "inference failed" not in message
    pixels, answer = before
    qtbot.wait(50)
    assert np.array_equal(window.canvas.pixels(), pixels), "the drawing is kept"
    assert prediction(window) == answer, "the answer on screen is kept"
    return message


# --- picture files that are refused -----------------------------------------------------------


def _truncated_png(tmp: Path) -> Path:
    Image.fromarray(np.random.default_rng(2).integers(0, 256, (120, 120, 3), np.uint8)).save(tmp / "cut.png")
    data = (tmp / "cut.png").read_bytes()
    (tmp / "cut.png").write_bytes(data[: len(data) // 2])
    return tmp / "cut.png"


REFUSED = {
    "missing": (missing, "missing.png: no such file"),
    "empty": (empty, "empty.png: file is empty"),
    "folder": (folder, "folder.png: is a folder, not an image"),
    "random bytes": (random_bytes, "noise.png: not an image capsviz can read (use PNG, JPEG"),
    "text renamed .png": (text_renamed, "notes.png: not an image capsviz can read"),
    "truncated PNG": (_truncated_png, "cut.png: damaged or unreadable image (image file is truncated"),
    "huge (100000×100000 header)": (
        lambda tmp: png_header_only(tmp / "bomb.png", 100_000, 100_000),
        "bomb.png: image is too large (limit 40,000,000 pixels)",
    ),
}


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_picture_files_are_refused_and_the_drawing_stays(
    window, drawn, qtbot, tmp_path, monkeypatch, entry, case
):
    make, expected = REFUSED[case]
    path = make(tmp_path)
    give_file(window, entry, path, monkeypatch)
    message = assert_refused(window, qtbot, drawn, expected)
    assert message.startswith(str(tmp_path)), "the message names the file"


# --- picture files that are shown and predicted ------------------------------------------------


@pytest.fixture(scope="module")
def seven_ink(mnist_test) -> np.ndarray:
    """The shipped 7 enlarged to 224 px: ink strength in [0, 1]."""
    big = Image.fromarray(mnist_test[0][SEVEN]).resize((224, 224), Image.BILINEAR)
    return np.asarray(big, np.float32) / 255.0


def to_u8(values: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(values, 0.0, 1.0) * 255).astype(np.uint8)


def grey16_png(ink: np.ndarray, tmp: Path) -> Path:
    Image.fromarray((ink * 65535).astype(np.uint16)).save(tmp / "grey16.png")
    assert Image.open(tmp / "grey16.png").mode == "I;16"
    return tmp / "grey16.png"


def palette_png(ink: np.ndarray, tmp: Path) -> Path:
    colour = np.stack([to_u8(1 - ink), to_u8(1 - ink), to_u8(1 - 0.5 * ink)], axis=-1)  # blue on white
    Image.fromarray(colour).convert("P", palette=Image.ADAPTIVE, colors=16).save(tmp / "palette.png")
    assert Image.open(tmp / "palette.png").mode == "P"
    return tmp / "palette.png"


def transparent_png(ink: np.ndarray, tmp: Path) -> Path:
    rgba = np.zeros((*ink.shape, 4), np.uint8)  # black ink, transparent background
    rgba[..., 3] = to_u8(ink)
    Image.fromarray(rgba).save(tmp / "clear.png")
    return tmp / "clear.png"


def white_paper_jpeg(ink: np.ndarray, tmp: Path) -> Path:
    Image.fromarray(to_u8(0.92 - 0.8 * ink)).convert("RGB").save(tmp / "paper.jpg", quality=90)
    return tmp / "paper.jpg"


DIGIT_KINDS = {make.__name__: make for make in (grey16_png, palette_png, transparent_png, white_paper_jpeg)}


def no_error_shown(window) -> bool:
    return "QStatusBar" not in window.status.styleSheet()


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("kind", list(DIGIT_KINDS))
def test_picture_kinds_are_shown_and_predicted(
    window, drawn, qtbot, tmp_path, monkeypatch, seven_ink, entry, kind
):
    path = DIGIT_KINDS[kind](seven_ink, tmp_path)
    give_file(window, entry, path, monkeypatch)
    qtbot.waitUntil(lambda: all_answered(window) and prediction(window).startswith("7"), timeout=WAIT_MS)
    assert no_error_shown(window)
    shown = window.canvas.pixels()
    assert shown.max() > 200 and shown[0, 0] == 0, "the picture is on the canvas as white ink on black"
    window.canvas.undo()
    qtbot.waitUntil(lambda: all_answered(window) and prediction(window).startswith("1"), timeout=WAIT_MS)
    assert np.array_equal(window.canvas.pixels(), drawn[0]), "undo brings the drawing back"


@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("value", [0, 255], ids=["black", "white"])
def test_a_one_pixel_picture_is_a_blank_input_not_an_error(
    window, drawn, qtbot, tmp_path, monkeypatch, entry, value
):
    path = tmp_path / "dot.png"
    Image.fromarray(np.full((1, 1), value, np.uint8)).save(path)
    give_file(window, entry, path, monkeypatch)
    qtbot.waitUntil(lambda: all_answered(window) and window.canvas.is_blank(), timeout=WAIT_MS)
    assert prediction(window).startswith("–") and no_error_shown(window)
    window.canvas.undo()
    assert np.array_equal(window.canvas.pixels(), drawn[0]), "undo brings the drawing back"


@pytest.mark.parametrize("entry", ENTRIES)
def test_a_very_wide_picture_is_shown_as_a_bar(window, drawn, qtbot, tmp_path, monkeypatch, entry):
    wide = np.zeros((10, 2000), np.uint8)
    wide[3:7, 20:1980] = 255
    Image.fromarray(wide).save(tmp_path / "wide.png")
    give_file(window, entry, tmp_path / "wide.png", monkeypatch)
    qtbot.waitUntil(lambda: all_answered(window) and not window.canvas.is_blank(), timeout=WAIT_MS)
    assert prediction(window)[0].isdigit() and no_error_shown(window)
    rows = np.flatnonzero(window.network_input.array().max(axis=1) > 0.5)
    columns = np.flatnonzero(window.network_input.array().max(axis=0) > 0.5)
    assert len(columns) >= 18 and len(rows) <= 3, "a 20 px wide bar, one or two rows high"


# --- pictures on the clipboard or dragged from another program ----------------------------------


def qimage(array: np.ndarray, fmt: QImage.Format) -> QImage:
    data = np.ascontiguousarray(array)
    height, width = data.shape[:2]
    return QImage(data.data, width, height, data.strides[0], fmt).copy()


def image_mime(image: QImage) -> QMimeData:
    mime = QMimeData()
    mime.setImageData(image)
    return mime


def clipboard_kinds(ink: np.ndarray) -> dict[str, QImage]:
    grey16 = qimage((ink * 65535).astype(np.uint16), QImage.Format.Format_Grayscale16)
    palette = qimage(to_u8(1 - ink), QImage.Format.Format_Grayscale8).convertToFormat(
        QImage.Format.Format_Indexed8
    )
    argb = np.zeros((*ink.shape, 4), np.uint8)  # black ink on a transparent background (BGRA in memory)
    argb[..., 3] = to_u8(ink)
    return {
        "16-bit grey": grey16,
        "palette": palette,
        "transparent": qimage(argb, QImage.Format.Format_ARGB32),
    }


@pytest.mark.parametrize("entry", ["drop", "paste"])
@pytest.mark.parametrize("kind", ["16-bit grey", "palette", "transparent"])
def test_picture_data_kinds_are_shown_and_predicted(window, drawn, qtbot, seven_ink, entry, kind):
    image = clipboard_kinds(seven_ink)[kind]
    (drop if entry == "drop" else paste)(window, image_mime(image))
    qtbot.waitUntil(lambda: all_answered(window) and prediction(window).startswith("7"), timeout=WAIT_MS)
    assert no_error_shown(window) and window.canvas.pixels().max() > 200


@pytest.mark.parametrize("entry", ["drop", "paste"])
def test_picture_data_over_the_pixel_limit_is_refused(window, drawn, qtbot, entry):
    image = QImage(8000, MAX_PIXELS // 8000 + 1, QImage.Format.Format_Mono)  # 1 bit a pixel: 5 MB
    image.fill(1)
    (drop if entry == "drop" else paste)(window, image_mime(image))
    name = "dropped image" if entry == "drop" else "pasted image"
    assert_refused(window, qtbot, drawn, f"{name}: 8000×5001 pixels is too large (limit 40,000,000 pixels)")


def test_large_picture_data_is_reduced_like_a_file(window, drawn, qtbot, mnist_test, monkeypatch):
    """A 6000×4000 screenshot is reduced to 2000×1334 before it is converted and sent to the network."""
    digit = np.kron(mnist_test[0][SEVEN], np.ones((140, 140), np.uint8))  # 3920×3920
    picture = np.zeros((4000, 6000), np.uint8)
    picture[40:3960, 1040:4960] = digit
    sent = []
    show_array = window.controller.show_array
    monkeypatch.setattr(
        window.controller, "show_array", lambda array, origin: sent.append(array) or show_array(array, origin)
    )
    paste(window, image_mime(qimage(picture, QImage.Format.Format_Grayscale8)))
    qtbot.waitUntil(lambda: all_answered(window) and prediction(window).startswith("7"), timeout=WAIT_MS)
    assert sent[0].shape == (1334, 2000, 4) and max(sent[0].shape) <= WORK_SIDE


@pytest.mark.parametrize(
    "text",
    ["hello world", "x" * 5000, "a\0b.png", ""],
    ids=["a sentence", "5000 characters", "NUL byte", "empty"],
)
def test_pasted_text_that_names_no_image_says_so(window, drawn, qtbot, text):
    mime = QMimeData()
    mime.setText(text)
    paste(window, mime)
    assert_refused(window, qtbot, drawn, "the clipboard holds no image (copy an image or an image file)")


def test_pasted_paths_and_file_urls_are_opened(window, drawn, qtbot, tmp_path, seven_ink):
    mime = QMimeData()
    mime.setText(f"  {tmp_path / 'gone.png'}\nsecond line")
    paste(window, mime)
    assert_refused(window, qtbot, drawn, f"{tmp_path / 'gone.png'}: no such file")
    path = grey16_png(seven_ink, tmp_path)
    mime = QMimeData()
    mime.setText(QUrl.fromLocalFile(str(path)).toString())
    paste(window, mime)
    qtbot.waitUntil(lambda: all_answered(window) and prediction(window).startswith("7"), timeout=WAIT_MS)


def test_a_file_name_too_long_for_the_system_is_one_line(window, drawn, qtbot, tmp_path):
    mime = QMimeData()
    mime.setText(str(tmp_path / ("x" * 300 + ".png")))
    paste(window, mime)
    assert_refused(window, qtbot, drawn, "File name too long")


# --- weights files through File → Load Weights -----------------------------------------------


@pytest.fixture(scope="module")
def weights_state(pretrained) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in pretrained.state_dict().items()}


@pytest.fixture(scope="module")
def good_weights(pretrained, tmp_path_factory) -> bytes:
    return save_weights(pretrained, tmp_path_factory.mktemp("weights") / "good.safetensors").read_bytes()


def _w_truncated(tmp: Path, good: bytes, state) -> Path:
    (tmp / "cut.safetensors").write_bytes(good[: len(good) // 2])
    return tmp / "cut.safetensors"


def _w_random(tmp: Path, good: bytes, state) -> Path:
    (tmp / "noise.safetensors").write_bytes(np.random.default_rng(0).bytes(5000))
    return tmp / "noise.safetensors"


def _w_empty(tmp: Path, good: bytes, state) -> Path:
    (tmp / "empty.safetensors").write_bytes(b"")
    return tmp / "empty.safetensors"


def _w_missing(tmp: Path, good: bytes, state) -> Path:
    return tmp / "missing.safetensors"


def _w_other_model(tmp: Path, good: bytes, state) -> Path:
    save_file({"fc.weight": torch.zeros(10, 784), "fc.bias": torch.zeros(10)}, tmp / "mlp.safetensors")
    return tmp / "mlp.safetensors"


def _w_wrong_shape(tmp: Path, good: bytes, state) -> Path:
    save_file({**state, "conv1.weight": torch.zeros(128, 1, 9, 9)}, tmp / "narrow.safetensors")
    return tmp / "narrow.safetensors"


def _w_nan(tmp: Path, good: bytes, state) -> Path:
    w = state["W"].clone()
    w[3, 4, 5, 6] = float("nan")
    save_file({**state, "W": w}, tmp / "nan.safetensors")
    return tmp / "nan.safetensors"


def _w_pickle(tmp: Path, good: bytes, state) -> Path:
    torch.save({"conv1.weight": state["conv1.weight"]}, tmp / "model.pt")
    return tmp / "model.pt"


BAD_WEIGHTS = {
    "truncated": (
        _w_truncated,
        "cut.safetensors is damaged or not a safetensors file (its size does not match",
    ),
    "random bytes": (_w_random, "noise.safetensors is damaged or not a safetensors file"),
    "empty": (_w_empty, "empty.safetensors is empty"),
    "missing": (_w_missing, "weights file not found: "),
    "another model": (_w_other_model, "mlp.safetensors does not hold CapsNet weights: missing 'W'"),
    "wrong shape": (_w_wrong_shape, "narrow.safetensors: 'conv1.weight' has shape (128, 1, 9, 9)"),
    "NaN": (_w_nan, "nan.safetensors: 'W' contains NaN or infinite values"),
    "torch.save pickle": (_w_pickle, "model.pt is a PyTorch pickle (torch.save)"),
}


def load_weights_from_menu(window, path: Path, monkeypatch) -> None:
    monkeypatch.setattr("capsviz.app.window.QFileDialog", ChosenFile(path))
    window.actions_by_name["weights"].trigger()


def error_dialog(window, qtbot) -> QMessageBox:
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorDialog") is not None, timeout=WAIT_MS)
    return window.findChild(QMessageBox, "errorDialog")


def close_dialog(window, box: QMessageBox, qtbot) -> None:
    box.close()  # deletes itself on close
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorDialog") is None, timeout=WAIT_MS)


@pytest.mark.parametrize("case", list(BAD_WEIGHTS))
def test_bad_weights_files_show_a_dialog_and_keep_the_model(
    window, drawn, qtbot, tmp_path, monkeypatch, pretrained, good_weights, weights_state, case
):
    make, expected = BAD_WEIGHTS[case]
    model_text = window.status.model.text()
    load_weights_from_menu(window, make(tmp_path, good_weights, weights_state), monkeypatch)
    box = error_dialog(window, qtbot)
    text = box.text()
    close_dialog(window, box, qtbot)
    assert expected in text and text.endswith("(keeping the current model)") and "\n" not in text
    assert window.controller.model is pretrained and window.status.model.text() == model_text
    assert not window.status.busy.isVisible()
    assert np.array_equal(window.canvas.pixels(), drawn[0]) and prediction(window) == drawn[1]
    window.controller.show_sample(SEVEN + 1)  # the network still answers: a 2
    qtbot.waitUntil(lambda: all_answered(window) and prediction(window).startswith("2"), timeout=WAIT_MS)


def test_without_shipped_weights_the_app_opens_says_how_to_train_and_recovers(
    qtbot, tmp_path, monkeypatch, pretrained
):
    from capsviz.app import create_window

    monkeypatch.setattr(
        "capsviz.model.pretrained.shipped_weights_path", lambda kind="mnist": tmp_path / "capsnet.safetensors"
    )
    win = create_window(device="cpu", insight=False)
    qtbot.addWidget(win)
    win.show()
    assert win.controller.model is None and win.banner.isVisible()
    assert "no shipped weights" in win.banner.text() and "python train_model.py" in win.banner.text()
    assert "--out resources/" not in win.banner.text(), "never suggest overwriting the shipped weights"
    assert "capsviz --weights my-capsnet.safetensors" in win.banner.text()
    assert win.status.model.text() == "no model loaded"
    canvas = win.canvas
    keys = Qt.KeyboardModifier.NoModifier
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, keys, canvas_point(canvas, 0.5, 0.15))
    for fy in np.linspace(0.15, 0.85, 15):
        QTest.mouseMove(canvas, canvas_point(canvas, 0.5, fy))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, keys, canvas_point(canvas, 0.5, 0.85))
    qtbot.waitUntil(lambda: all_answered(win) and win.network_input.array() is not None, timeout=WAIT_MS)
    assert "no model loaded" in prediction(win), "drawing still shows the network's input"

    (tmp_path / "noise.safetensors").write_bytes(b"\x07" * 100)
    load_weights_from_menu(win, tmp_path / "noise.safetensors", monkeypatch)
    box = error_dialog(win, qtbot)
    assert box.text().startswith("noise.safetensors is damaged") and box.text().endswith(
        "(still no model loaded)"
    )
    close_dialog(win, box, qtbot)
    assert win.controller.model is None and win.banner.isVisible()

    good = save_weights(pretrained, tmp_path / "trained.safetensors")
    load_weights_from_menu(win, good, monkeypatch)
    qtbot.waitUntil(lambda: prediction(win).startswith("1"), timeout=WAIT_MS)
    assert not win.banner.isVisible(), "the banner goes once a network is loaded"
    assert "trained.safetensors" in win.status.model.text()
    win.close()
