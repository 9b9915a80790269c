"""MLT XML export (Shotcut, and Kdenlive's engine): `melt` renders it with the editor's own frames, cuts and
dissolve alike, at the timeline's size and rate rather than melt's 720x576 PAL default."""
from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

import av
import numpy as np
import pytest

from seine_editor.cli import main
from seine_editor.media.synthetic import read_frame_index
from seine_editor.render.compositor import Compositor
from seine_editor.timeline import otio_io

SIZE = (320, 240)
needs_melt = pytest.mark.skipif(shutil.which("melt") is None, reason="melt (Debian package 'melt') is not installed")


@pytest.fixture
def exported(tmp_path, media, tools):
    """A[10:30) dissolving 4+4 frames into B[8:28), exported from the command line as .mlt."""
    timeline = tools.timeline([tools.clip("A", media["a"], 10, 20), tools.dissolve(4, 4),
                               tools.clip("B", media["b"], 8, 20)])
    otio_io.write_settings(timeline, otio_io.TimelineSettings(*SIZE))
    otio_io.save_timeline(timeline, tmp_path / "cut.otio")
    assert main(["export", str(tmp_path / "cut.otio"), "-o", str(tmp_path / "cut.mlt")]) == 0
    return timeline, tmp_path / "cut.mlt"


def test_the_mlt_profile_is_the_timelines_size_and_rate(exported):
    _, path = exported
    profile = ElementTree.parse(path).getroot().find("profile").attrib
    assert {key: profile[key] for key in ("width", "height", "frame_rate_num", "frame_rate_den", "progressive")} \
        == {"width": "320", "height": "240", "frame_rate_num": "24", "frame_rate_den": "1", "progressive": "1"}


@needs_melt
def test_melt_renders_the_export_with_the_editors_frames(exported, tmp_path):
    timeline, path = exported
    subprocess.run(["melt", str(path), "-consumer", f"avformat:{tmp_path}/f%04d.png", "vcodec=png", "pix_fmt=rgb24",
                    "an=1", "-quiet"], check=True, timeout=120, capture_output=True)
    theirs = []
    for n in range(40):
        with av.open(str(tmp_path / f"f{n + 1:04d}.png")) as container:
            theirs.append(next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int))
    assert not (tmp_path / "f0041.png").exists()
    with Compositor(timeline, size=SIZE) as compositor:
        differences = [np.abs(compositor.frame(n).astype(int) - theirs[n]).mean() for n in range(40)]
    assert max(differences[:16] + differences[24:]) < 1.5  # cuts: the same source frames (decoders differ by ~1)
    assert max(differences[16:24]) < 1.5  # the dissolve: the same linear blend, frame by frame


@needs_melt
def test_melt_plays_a_sped_clip_from_the_same_media_frame(tmp_path, media, tools):
    """MLT's timewarp producer counts its in point at its speed; the export says it so."""
    import opentimelineio as otio

    fast = tools.clip("A", media["a"], 10, 16)
    fast.effects.append(otio.schema.LinearTimeWarp(time_scalar=2.0))
    timeline = tools.timeline([fast])
    otio_io.write_settings(timeline, otio_io.TimelineSettings(*SIZE))
    otio_io.save_timeline(timeline, tmp_path / "fast.otio")
    assert main(["export", str(tmp_path / "fast.otio"), "-o", str(tmp_path / "fast.mlt")]) == 0
    subprocess.run(["melt", str(tmp_path / "fast.mlt"), "-consumer", f"avformat:{tmp_path}/f%04d.png", "vcodec=png",
                    "pix_fmt=rgb24", "an=1", "-quiet"], check=True, timeout=120, capture_output=True)
    theirs = []
    for n in range(16):
        with av.open(str(tmp_path / f"f{n + 1:04d}.png")) as container:
            theirs.append(read_frame_index(next(container.decode(video=0)).to_ndarray(format="rgb24")))
    with Compositor(timeline, size=SIZE) as compositor:
        assert theirs == [read_frame_index(compositor.frame(n)) for n in range(16)] == list(range(10, 42, 2))


def _tone_wav(path, hz: float, seconds: float = 2.0, rate: int = 48000):
    samples = (0.25 * np.sin(2 * np.pi * hz * np.arange(int(seconds * rate)) / rate)).astype(np.float32)[None, :]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate, frame.pts = rate, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


@needs_melt
def test_melt_hears_every_track_mixed_as_the_editor_mixes_them(tmp_path, media):
    """A picture with its sound, and music on a second audio track: melt hears both, at the editor's levels."""
    from fractions import Fraction

    from seine_editor.media.probe import probe
    from seine_editor.render.audio import AudioMixer
    from seine_editor.render.plan import plan_of
    from seine_editor.timeline.document import TimelineDocument

    document = TimelineDocument(rate=Fraction(24))
    document.insert_clip(probe(media["a"]), document.track_ids("video")[0], 0, duration_frames=48)
    music = document.add_track("audio").ids[0]
    document.insert_clip(probe(_tone_wav(tmp_path / "music.wav", 660)), music, 0, duration_frames=48)
    otio_io.write_settings(document.timeline, otio_io.TimelineSettings(*SIZE))
    otio_io.save_timeline(document.timeline, tmp_path / "mixed.otio")
    assert main(["export", str(tmp_path / "mixed.otio"), "-o", str(tmp_path / "mixed.mlt")]) == 0
    subprocess.run(["melt", str(tmp_path / "mixed.mlt"), "-consumer", f"avformat:{tmp_path}/mixed.wav", "vn=1",
                    "-quiet"], check=True, timeout=120, capture_output=True)
    with av.open(str(tmp_path / "mixed.wav")) as container:
        rate = container.streams.audio[0].rate
        theirs = np.concatenate([f.to_ndarray().reshape(-1, 2)[:, 0] for f in container.decode(audio=0)]) / 32768
    ours = AudioMixer(plan_of(document.render_snapshot()), rate=rate).mix_frames(0, 48)[0]
    inner = slice(rate // 5, rate * 6 // 5)  # clear of the fades at the ends

    def levels(samples):
        spectrum = np.abs(np.fft.rfft(samples[inner] * np.hanning(inner.stop - inner.start)))
        bins = np.fft.rfftfreq(inner.stop - inner.start, 1 / rate)
        return [spectrum[np.argmin(np.abs(bins - hz))] for hz in (440, 660)]

    (a_theirs, b_theirs), (a_ours, b_ours) = levels(theirs), levels(ours)
    assert b_theirs / a_theirs == pytest.approx(b_ours / a_ours, rel=0.05)  # the music is heard, at its level
    assert np.sqrt((theirs[inner] ** 2).mean()) == pytest.approx(np.sqrt((ours[inner] ** 2).mean()), rel=0.02)
