"""The viewer keeps one compositor: each edit's compositor closes the one before, so old decoders do not pile up."""
from __future__ import annotations

import pytest


@pytest.fixture
def made(monkeypatch):
    """Every compositor the window builds, in order."""
    from seine_editor.render import compositor

    built = []

    class Recorded(compositor.Compositor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(compositor, "Compositor", Recorded)
    return built


def shown_after(window, edit) -> None:
    """Make an edit and wait until the viewer has rendered the frame under the playhead of its result."""
    edit()
    window.viewer.seek(0)
    assert window.viewer.source.wait_idle(10000)


def test_after_several_edits_only_the_current_compositor_holds_open_readers(window, infos, made):
    project, track = window.project, window.project.document.track_ids("video")[0]
    shown_after(window, lambda: project.add_clip(infos["a"], track, 0))
    shown_after(window, lambda: project.add_clip(infos["b"], track, 0))
    shown_after(window, lambda: project.move_clip(project.info().track(track).clips[0].id, 10))
    shown_after(window, lambda: project.add_clip(infos["a"], track, 0))
    assert len(made) == 4
    assert [c.open_media for c in made] == [[], [], [], [infos["a"].path]]
    assert window.viewer_compositors.current is made[-1]


def test_shutting_the_window_down_closes_the_last_compositor(window, infos, made):
    shown_after(window, lambda: window.project.add_clip(infos["a"], window.project.document.track_ids("video")[0], 0))
    assert made[-1].open_media == [infos["a"].path]
    window.shutdown()
    assert made[-1].open_media == [] and window.viewer_compositors.current is None
