"""Each recording is heard once: a video clip's own sound plays only when no audio clip stands in for it.

Placing a video with sound makes a picture on V1 and its sound on A1, linked; the mix hears A1 only, through
splits, moves and unlinking, and after the unlinked sound is deleted the clip is silent. A timeline from
another tool with video-only tracks keeps its sound."""
from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from seine_editor.media.audio import AudioReaderPool
from seine_editor.render.audio import AudioMixer
from seine_editor.render.export import ExportSpec, export
from seine_editor.render.plan import plan_of
from seine_editor.timeline import meta
from seine_editor.timeline.document import TimelineDocument
from seine_editor.timeline.sound import MUTE_AUDIO

RATE = 48000  # 2000 samples per frame at 24 fps
LEVEL = 0.25
INNER = slice(1000, -1000)  # clear of the 5 ms cut fades at the clip's ends


class ConstantReader:
    """Every file plays a constant LEVEL: a mix sample of 2 × LEVEL means the sound was mixed twice."""

    def __call__(self, path, start, count, rate, channels):
        return np.full((channels, count), LEVEL, np.float32)


@pytest.fixture(scope="module")
def probed(media):
    from seine_editor.media.probe import probe

    return probe(media["a"])


@pytest.fixture
def placed(probed):
    """A 24-frame video with sound placed at frame 0: (document, picture id, sound id)."""
    document = TimelineDocument(rate=Fraction(24))
    edit = document.insert_clip(probed, document.track_ids("video")[0], 0, duration_frames=24)
    picture, sound = edit.ids
    return document, picture, sound


def seine_of(document: TimelineDocument, clip_id: str) -> dict:
    return next(meta.seine(c) for c in document.timeline.find_clips() if meta.item_id(c) == clip_id)


def mix_of(snapshot, first: int, end: int) -> np.ndarray:
    return AudioMixer(plan_of(snapshot), rate=RATE, reader=ConstantReader()).mix_frames(first, end)


def test_placing_a_video_with_sound_leaves_its_sound_to_the_linked_audio_clip(placed):
    document, picture, sound = placed
    assert document.info().clip(sound).linked_ids == (picture,)
    assert seine_of(document, picture).get(MUTE_AUDIO) is True
    assert MUTE_AUDIO not in seine_of(document, sound)


def test_a_clip_with_sound_mixes_at_its_source_level(placed):
    mix = mix_of(placed[0].render_snapshot(), 0, 24)
    assert np.array_equal(mix[:, INNER], np.full((2, 48000 - 2000), LEVEL, np.float32))


def test_the_real_mix_of_a_placed_clip_is_its_source_samples(placed, media):
    mixer = AudioMixer(plan_of(placed[0].render_snapshot()), rate=RATE)
    source = AudioReaderPool()
    try:
        mix, expected = mixer.mix_frames(6, 18), source(str(media["a"]), 6 * 2000, 12 * 2000, RATE, 2)
    finally:
        mixer.close()
        source.close()
    assert np.array_equal(mix, expected)  # frames 6..17 are clear of the clip's fades


def test_a_split_and_moved_linked_pair_is_still_heard_once(placed):
    document, picture, _ = placed
    right = document.split_clip(picture, 12).ids[0]
    document.move_clip(right, 30)
    mix = mix_of(document.render_snapshot(), 0, 42)
    assert np.array_equal(mix[:, 1000:23000], np.full((2, 22000), LEVEL, np.float32))  # left piece
    assert not mix[:, 25000:59000].any()  # the hole the right piece left
    assert np.array_equal(mix[:, 61000:83000], np.full((2, 22000), LEVEL, np.float32))  # right piece


def test_unlinking_changes_nothing_you_hear(placed):
    document, picture, sound = placed
    before = mix_of(document.render_snapshot(), 0, 24)
    document.unlink_clip(sound)
    assert document.info().clip(picture).linked_ids == ()
    assert np.array_equal(mix_of(document.render_snapshot(), 0, 24), before)


def test_deleting_the_unlinked_sound_leaves_the_picture_silent(placed):
    document, picture, sound = placed
    document.unlink_clip(picture)
    document.delete_clips([sound])
    assert [c.id for c in document.info().clips()] == [picture]
    assert not mix_of(document.render_snapshot(), 0, 24).any()


@pytest.fixture
def picture_and_music(tools, media):
    """A video with sound on V1 and another file's sound on A1, as another tool wrote them (no links)."""
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 24)], [tools.clip("music", media["b"], 0, 24)],
                              kinds=["Video", "Audio"])
    document = TimelineDocument(timeline)
    picture, music = (c.id for c in document.info().clips())
    return document, picture, music


def test_a_picture_linked_to_sound_by_hand_is_silent_and_stays_so_when_unlinked(picture_and_music):
    document, picture, music = picture_and_music
    assert mix_of(document.render_snapshot(), 0, 24)[0, 12000] == 2 * LEVEL  # both play: nothing links them
    document.link_clips([picture, music])
    assert mix_of(document.render_snapshot(), 0, 24)[0, 12000] == LEVEL
    document.unlink_clip(music)
    document.delete_clips([music])
    assert not mix_of(document.render_snapshot(), 0, 24).any()


def test_undoing_an_unlink_takes_its_mark_off_the_picture(picture_and_music):
    document, picture, music = picture_and_music
    document.link_clips([picture, music])
    unlinked = document.unlink_clip(picture)
    assert seine_of(document, picture).get(MUTE_AUDIO) is True
    document.restore(unlinked.undo)
    assert MUTE_AUDIO not in seine_of(document, picture)
    assert document.info().clip(picture).linked_ids == (music,)


def test_a_video_only_track_from_another_tool_keeps_its_sound(tools, media):
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 24)])
    for snapshot in (timeline, TimelineDocument(timeline).render_snapshot()):
        assert np.array_equal(mix_of(snapshot, 0, 24)[:, INNER], np.full((2, 46000), LEVEL, np.float32))


def test_a_video_clip_linked_to_an_audio_clip_without_the_mark_is_heard_once(tools, media):
    """Projects saved before the mark: the link alone says the audio clip is the picture's sound."""
    linked = {"seine": {"link": "g1"}}
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 24, metadata=linked)],
                              [tools.clip("A", media["a"], 0, 24, metadata=linked)], kinds=["Video", "Audio"])
    for snapshot in (plan_of(timeline), TimelineDocument(timeline).render_snapshot()):
        assert np.array_equal(mix_of(snapshot, 0, 24)[:, INNER], np.full((2, 46000), LEVEL, np.float32))


def test_an_exported_clip_with_sound_carries_its_source_samples_once(placed, media, tmp_path):
    export(ExportSpec(placed[0].render_snapshot(), tmp_path / "once.mov", size=(320, 240)), _Quiet())
    with av.open(str(tmp_path / "once.mov")) as container:
        written = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=-1)
    source = AudioReaderPool()
    try:
        expected = source(str(media["a"]), 0, 24 * 2000, RATE, 2)
    finally:
        source.close()
    samples = written.reshape(-1, 2).T.astype(np.float64) / 32767 if written.shape[0] == 1 else written / 32767
    assert samples.shape == (2, 24 * 2000)
    assert np.abs(samples[:, INNER] - expected[:, INNER]).max() <= 1.5 / 32767  # pcm_s16le rounding only


class _Quiet:
    def progress(self, done: int, total: int) -> None:
        pass

    def cancelled(self) -> bool:
        return False
