"""Engine settings → Run on → Server: a person points the editor at a real `seine-editor serve`, tests the connection,
and the generative item they drop is made there."""
import json

import pytest
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

from engine import registry
from servers import serving

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def stripes(monkeypatch):
    monkeypatch.setitem(registry._ENGINES, "stripes", ("engine.testing_engines", "StripesEngine"))


@pytest.fixture
def server(tmp_path, stripes):
    token_file = tmp_path / "token"
    with serving(tmp_path, "--engine", "stripes", "--stripe-width", "3", token="tok-42") as running:
        token_file.write_text("tok-42\n")
        running.token_file = str(token_file)
        yield running


def open_settings(window):
    from seine_editor.widgets.dialogs.settings_dialog import SettingsDialog

    window.actions_by_key["settings"].trigger()
    return window.findChildren(SettingsDialog)[-1]


def point_at(dialog, url: str, token_file: str) -> None:
    dialog.engine.setCurrentIndex(dialog.engine.findData("stripes"))
    dialog.host.setCurrentIndex(dialog.host.findData("server"))
    dialog.server_url.setText(url)
    dialog.token_file.setText(token_file)


def test_test_connection_shows_the_servers_engine_device_and_queue(window, server):
    dialog = open_settings(window)
    assert not dialog.server_url.isVisibleTo(dialog)
    point_at(dialog, server.url, server.token_file)
    assert dialog.server_url.isVisibleTo(dialog)
    QTest.mouseClick(dialog.test_connection, QtCore.Qt.LeftButton)
    assert dialog.message.text() == "Connected: Stripes (stripes/1:3) on cpu, 0 waiting"


def test_a_wrong_token_is_said_in_the_dialog(window, server, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("nope\n")
    dialog = open_settings(window)
    point_at(dialog, server.url, str(wrong))
    QTest.mouseClick(dialog.test_connection, QtCore.Qt.LeftButton)
    assert "401" in dialog.message.text() and "token" in dialog.message.text()


def test_an_item_dropped_after_choosing_the_server_is_made_there(window, server, infos, qtbot):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0, duration_frames=12)
    window.project.add_clip(infos["b"], v1, 12, duration_frames=12)
    dialog = open_settings(window)
    point_at(dialog, server.url, server.token_file)
    QTest.mouseClick(dialog.findChild(QtWidgets.QDialogButtonBox).button(QtWidgets.QDialogButtonBox.Ok),
                     QtCore.Qt.LeftButton)
    assert not dialog.isVisible(), dialog.message.text()
    generation = window.project.generation
    item = generation.add_generative_transition(v1, 12, duration_frames=8)
    qtbot.waitUntil(lambda: generation.item_state(item).state in ("done", "failed"), timeout=60000)
    assert generation.item_state(item).state == "done", generation.item_state(item).reason
    clip = next(c for c in json.loads(window.project.document.to_json())["tracks"]["children"][0]["children"]
                if c.get("metadata", {}).get("seine", {}).get("id") == item)
    (take,) = clip["metadata"]["seine"]["takes"]
    assert (take["engine"], take["engine_identity"]) == ("stripes", "stripes/1:3")  # the server's own identity
