"""The editor's own export, in every format, reopens in the editor with nothing offline and the same pictures: a
timeline holding a camera file with a start timecode, a dissolve, a generative item and a still, exported from the
command line with a relative output path."""
from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import opentimelineio as otio
import pytest

from seine_editor.cli import main
from seine_editor.media.probe import probe
from seine_editor.media.synthetic import read_frame_index, write_coded_image, write_coded_video
from seine_editor.render.compositor import Compositor
from seine_editor.render.plan import plan_of
from seine_editor.render.source_check import unusable_sources
from seine_editor.timeline import generated, otio_io
from seine_editor.timeline.time import to_range

SIZE = (320, 240)
FORMATS = (".otio", ".otioz", ".otiod", ".edl", ".xml", ".fcpxml")
CODED = [*range(0, 16), *range(24, 40), *range(40, 52)]  # Shot A, Shot B, Shot C and the still (not the bridge)
DISSOLVE = range(16, 24)
BRIDGE = range(40, 46)


def rt(frames):
    return otio.opentime.RationalTime(frames, 24)


def clip(name, path, start, duration, frames=48, kind=None):
    reference = otio.schema.ExternalReference(str(path), to_range(0, frames, 24) if frames else None)
    return otio.schema.Clip(name, reference, otio.opentime.TimeRange(rt(start), rt(duration)),
                            metadata={"seine": {"media_kind": kind}} if kind else {})


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """proj/story.otio: Shot A (01:00:00:00 timecode) dissolving into Shot B, a pending bridge, Shot C, a still."""
    root = tmp_path_factory.mktemp("reopen")
    media = root / "media"
    media.mkdir()
    a = write_coded_video(media / "shot a é.mp4", frames=48, metadata={"timecode": "01:00:00:00"})
    b = write_coded_video(media / "shot_b.mp4", frames=48, first_index=1000, tint=(40, 60, 200))
    still = write_coded_image(media / "still.png", index=500)
    bridge = generated.make_placeholder(
        generated.TRANSITION, 6, 24, generated.normalize_params(generated.TRANSITION, {"prompt": "dusk", "seed": 1}),
        [generated.source("left", None, str(b), 27), generated.source("right", None, str(a), 0)], name="Bridge")
    track = otio.schema.Track("V1")
    track.extend([clip("Shot A", a, 10, 20), otio.schema.Transition(transition_type="SMPTE_Dissolve",
                                                                   in_offset=rt(4), out_offset=rt(4)),
                  clip("Shot B", b, 8, 20), bridge, clip("Shot C", a, 0, 6), clip("Still", still, 0, 6, 0, "image")])
    timeline = otio.schema.Timeline("Story", global_start_time=rt(0))
    timeline.tracks.append(track)
    otio_io.write_settings(timeline, otio_io.TimelineSettings(*SIZE))
    (root / "proj").mkdir()
    otio_io.save_timeline(timeline, root / "proj" / "story.otio")
    return root


def pictures(timeline, frames):
    with Compositor(timeline, size=SIZE) as compositor:
        return [compositor.frame(n) for n in frames]


@pytest.mark.parametrize("suffix", FORMATS)
def test_an_export_reopens_with_nothing_offline_and_the_same_pictures(workspace, monkeypatch, suffix):
    monkeypatch.chdir(workspace)
    assert main(["export", "proj/story.otio", "-o", f"exp/story{suffix}"]) == 0
    reopened = otio_io.read_timeline(workspace / "exp" / f"story{suffix}", rate=24).timeline
    assert unusable_sources(plan_of(reopened)) == []
    original = otio_io.read_timeline(workspace / "proj" / "story.otio").timeline
    assert [read_frame_index(f) for f in pictures(reopened, CODED)] == \
        [read_frame_index(f) for f in pictures(original, CODED)]
    for before, after in zip(pictures(original, BRIDGE), pictures(reopened, BRIDGE)):  # baked through ProRes
        assert np.abs(before.astype(int) - after.astype(int)).mean() < 2
    if suffix != ".fcpxml":  # FCPX XML export drops dissolves, and says so
        for before, after in zip(pictures(original, DISSOLVE), pictures(reopened, DISSOLVE)):
            assert np.abs(before.astype(int) - after.astype(int)).mean() < 2


def test_an_edl_carries_the_source_timecode_and_cmx3600_reel_names(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    assert main(["export", "proj/story.otio", "-o", "exp/reels.edl"]) == 0
    events = [line.split() for line in (workspace / "exp" / "reels.edl").read_text().splitlines()
              if re.match(r"\d{3}\s", line)]
    reels = [event[1] for event in events]
    assert all(re.fullmatch(r"[A-Z0-9]{1,8}", reel) for reel in reels)
    assert sorted(set(reels)) == ["GENTRANS", "SHOTAE", "SHOTB", "STILL"]
    first_cut = next(event for event in events if event[1] == "SHOTAE")
    assert first_cut[4:6] == ["01:00:00:10", "01:00:01:02"]  # 1 h into the camera file, as its timecode says
    assert "* FROM CLIP: " + str(workspace / "media" / "shot a é.mp4") in \
        (workspace / "exp" / "reels.edl").read_text().splitlines()


def test_fcp_xml_of_a_clip_whose_media_cannot_be_read_uses_its_source_range_and_says_so(workspace, tmp_path,
                                                                                        capsys):
    timeline = otio.schema.Timeline("Lost", global_start_time=rt(0))
    timeline.tracks.append(otio.schema.Track("V1"))
    timeline.tracks[0].append(clip("Gone", tmp_path / "gone.mov", 5, 10, frames=None))
    otio_io.save_timeline(timeline, tmp_path / "lost.otio")
    assert main(["export", str(tmp_path / "lost.otio"), "-o", str(tmp_path / "lost.xml")]) == 0
    assert "note: clip 'Gone': its media could not be read, so its source range was written as the media's range" \
        in capsys.readouterr().err
    back = otio.adapters.read_from_file(str(tmp_path / "lost.xml"))
    assert [c.source_range for c in back.find_clips()] == [otio.opentime.TimeRange(rt(5), rt(10))]


@pytest.mark.parametrize("fps,timecode", [(Fraction(30000, 1001), "00:59:59;28"), (Fraction(25), "10:00:00:00")])
def test_an_edl_of_a_timecoded_camera_file_reopens_on_the_same_frames(tmp_path, fps, timecode):
    """Drop-frame timecode included: the EDL carries the file's own timecode and reopening maps it back."""
    camera = write_coded_video(tmp_path / "camera.mov", frames=60, fps=fps, metadata={"timecode": timecode})
    assert probe(camera).start_timecode == timecode
    rate = float(fps)
    reference = otio.schema.ExternalReference(str(camera), otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(60, rate)))
    timeline = otio.schema.Timeline("Conform", global_start_time=otio.opentime.RationalTime(0, rate))
    timeline.tracks.append(otio.schema.Track("V1"))
    timeline.tracks[0].append(otio.schema.Clip("Take", reference, otio.opentime.TimeRange(
        otio.opentime.RationalTime(17, rate), otio.opentime.RationalTime(20, rate))))
    otio_io.write_settings(timeline, otio_io.TimelineSettings(*SIZE, fps=fps))
    otio_io.save_timeline(timeline, tmp_path / "conform.otio")
    assert main(["export", str(tmp_path / "conform.otio"), "-o", str(tmp_path / "conform.edl")]) == 0
    source_in = [line.split()[4] for line in (tmp_path / "conform.edl").read_text().splitlines()
                 if line.startswith("001")]
    start = otio.opentime.from_timecode(timecode, rate)
    assert source_in == [otio.opentime.to_timecode(start + otio.opentime.RationalTime(17, rate), rate)]
    reopened = otio_io.read_timeline(tmp_path / "conform.edl", rate=fps).timeline
    assert [read_frame_index(f) for f in pictures(reopened, range(20))] == list(range(17, 37))


@pytest.fixture(scope="module")
def sped_story(workspace):
    """proj/sped.otio: Shot A (timecoded) from its frame 6 at 200% for 12 frames, then Shot B at 50% for 16."""
    a, b = workspace / "media" / "shot a é.mp4", workspace / "media" / "shot_b.mp4"
    track = otio.schema.Track("V1")
    track.extend([clip("Fast", a, 6, 12), clip("Slow", b, 4, 16)])
    for item, speed in zip(track, (2.0, 0.5)):
        item.effects.append(otio.schema.LinearTimeWarp(time_scalar=speed))
    timeline = otio.schema.Timeline("Sped", global_start_time=rt(0))
    timeline.tracks.append(track)
    otio_io.write_settings(timeline, otio_io.TimelineSettings(*SIZE))
    otio_io.save_timeline(timeline, workspace / "proj" / "sped.otio")
    return workspace / "proj" / "sped.otio"


@pytest.mark.parametrize("suffix", [".otio", ".edl"])
def test_sped_clips_reopen_at_their_speed(sped_story, workspace, suffix):
    assert main(["export", str(sped_story), "-o", str(workspace / "exp" / f"sped{suffix}")]) == 0
    reopened = otio_io.read_timeline(workspace / "exp" / f"sped{suffix}", rate=24).timeline
    assert [read_frame_index(f) for f in pictures(reopened, range(28))] == \
        [6 + 2 * n for n in range(12)] + [1004 + n // 2 for n in range(16)]


@pytest.mark.parametrize("suffix, name", [(".xml", "FCP7 XML"), (".fcpxml", "FCPX XML")])
def test_formats_without_speeds_say_which_clips_lose_theirs(sped_story, workspace, suffix, name, capsys):
    assert main(["export", str(sped_story), "-o", str(workspace / "exp" / f"sped{suffix}")]) == 0
    assert f"note: {name} export does not write clip speeds: 'Fast', 'Slow' will play at 100% there" in \
        capsys.readouterr().err
