"""Background media work for the views: the waveform lane's peaks of an audio file."""
from fractions import Fraction

import numpy as np

from seine_editor.media.synthetic import write_coded_video
from seine_editor.widgets.media_tasks import MediaTasks


def test_waveform_peaks_cover_the_file_at_fifty_per_second_and_follow_the_tone(qtbot, tmp_path):
    path = str(write_coded_video(tmp_path / "tone.mp4", frames=24, width=64, height=48, fps=Fraction(24),
                                 audio_rate=48000, audio_channels=1))
    tasks = MediaTasks()
    assert tasks.waveform(path) is None  # made in the background, then announced
    with qtbot.waitSignal(tasks.updated, timeout=10000) as announced:
        pass
    assert announced.args == [path]
    peaks = tasks.waveform(path)
    tasks.shutdown()
    assert peaks.shape == (50, 2) and peaks.dtype == np.float32
    # the 0.5-amplitude sine reaches close to both its extremes in every 1/50 s past the encoder's lead-in
    assert np.all(peaks[2:-2, 0] < -0.4) and np.all(peaks[2:-2, 1] > 0.4)
    assert np.abs(peaks).max() < 0.8  # AAC rings a little at block edges, never near full scale


def test_a_thumbnail_that_arrives_is_painted_into_its_clip_on_the_timeline(window, qtbot, infos, ui):
    v1 = window.project.document.track_ids("video")[0]
    clip_id, = window.project.add_clip(infos["a"], v1, 0)
    item = window.timeline.view.clip_items[clip_id]
    left = window.timeline.view.mapFromScene(item.mapToScene(item.boundingRect().bottomLeft()))
    qtbot.waitUntil(lambda: window.tasks.wait_idle(0) and bool(window.tasks._thumbs), timeout=10000)
    qtbot.wait(50)  # the queued `updated` repaint
    pixels = ui.qimage_array(window.timeline.view.viewport().grab().toImage())
    red, green, blue = pixels[left.y() - 12:left.y() - 4, left.x() + 4:left.x() + 30].reshape(-1, 3).mean(axis=0)
    assert red > 120 and red > blue + 60, (red, green, blue)  # shot_a's red frames, not the empty clip body
