"""The viewer keeps one compositor: an edit hands it the new state, so its decoders stay open and none pile up."""
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


def test_edits_reuse_the_one_compositor_so_its_readers_stay_open_and_none_pile_up(window, infos, made):
    project, track = window.project, window.project.document.track_ids("video")[0]
    shown_after(window, lambda: project.add_clip(infos["a"], track, 0))
    shown_after(window, lambda: project.add_clip(infos["b"], track, 0))
    shown_after(window, lambda: project.move_clip(project.info().track(track).clips[0].id, 10))
    shown_after(window, lambda: project.add_clip(infos["a"], track, 0))
    assert len(made) == 1
    assert window.viewer_compositors.current is made[0]
    assert made[0].open_media[-1] == infos["a"].path
    assert set(made[0].open_media) <= {infos["a"].path, infos["b"].path}


def test_another_picture_size_builds_a_new_compositor_and_closes_the_old(window, infos, made):
    project, track = window.project, window.project.document.track_ids("video")[0]
    shown_after(window, lambda: project.add_clip(infos["a"], track, 0))
    shown_after(window, lambda: project.set_settings(width=project.settings.width * 2,
                                                     height=project.settings.height * 2))
    assert len(made) == 2 and made[0].open_media == [] and window.viewer_compositors.current is made[1]


def test_shutting_the_window_down_closes_the_last_compositor(window, infos, made):
    shown_after(window, lambda: window.project.add_clip(infos["a"], window.project.document.track_ids("video")[0], 0))
    assert made[-1].open_media == [infos["a"].path]
    window.shutdown()
    assert made[-1].open_media == [] and window.viewer_compositors.current is None
