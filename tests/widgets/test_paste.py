"""Paste in the window: the copied clips land at the playhead as one edit, one undo step and one update."""
from __future__ import annotations


def test_pasting_copied_clips_is_one_edit_and_one_undo_step(window, infos):
    project = window.project
    video = project.document.track_ids("video")[0]
    project.add_clip(infos["a"], video, 0, duration_frames=12)
    project.add_clip(infos["b"], video, 12, duration_frames=6)
    window.timeline.view.select_clips([c.id for c in project.info().track(video).clips])
    window.actions_by_key["copy"].trigger()
    window.viewer.seek(17)  # the last frame: the paste overwrites B's last frame and runs on past the end
    updates, steps = [], project.undo_stack.count()
    project.changed.connect(lambda: updates.append(1))
    window.actions_by_key["paste"].trigger()
    assert [(c.start_frame, c.duration_frames) for c in project.info().track(video).clips] == [
        (0, 12), (12, 5), (17, 12), (29, 6)]
    assert (len(updates), project.undo_stack.count()) == (1, steps + 1)
    assert project.undo_stack.undoText() == "Paste 2 clips"
    project.undo_stack.undo()
    assert [c.start_frame for c in project.info().track(video).clips] == [0, 12]
