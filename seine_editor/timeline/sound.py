"""Which clips' sound the mix hears: each recording once.

Sound comes from audio-track clips. A video-track clip adds its own media's sound only when nothing stands in
for it, so a timeline from another tool with video-only tracks keeps its sound. Two things stand in for it:

- `mute_audio` in the clip's seine metadata. `insert_clip` sets it on the picture when it places the media's
  sound as a linked audio clip, and `unlink_clip` sets it on a picture it takes away from linked sound, so
  unlinking changes nothing you hear and deleting the unlinked sound afterwards leaves silence, not the
  camera sound coming back.
- a link to an audio-track clip (projects saved before the mark existed, or sound linked by hand): that clip
  is the picture's sound.

A generative item's sound is the one its engine made with the take that plays (LTX-2 makes sound, SEINE does not),
heard while its switch is on; without it the item is silent (a bridge) or its neighbours cross-fade (an overlap).
"""
from __future__ import annotations

import opentimelineio as otio

from seine_editor.timeline import generated, meta

MUTE_AUDIO = "mute_audio"


def audio_link_groups(timeline: otio.schema.Timeline) -> frozenset[str]:
    """Link groups that hold a clip on an audio track."""
    groups = set()
    for track in timeline.tracks:
        if isinstance(track, otio.schema.Track) and track.kind == otio.schema.TrackKind.Audio:
            groups.update(meta.get(clip, "link") for clip in track.find_clips())
    groups.discard(None)
    return frozenset(groups)


def plays_own_sound(clip: otio.schema.Clip, track_kind: str, audio_groups: frozenset[str]) -> bool:
    """Whether the mix hears ``clip``'s media sound; ``track_kind`` is "video" or "audio"."""
    if generated.is_generative(clip):
        return generated.take_has_sound(clip) and generated.sound_on(clip)
    if meta.get(clip, MUTE_AUDIO, False):
        return False
    return track_kind == "audio" or meta.get(clip, "link") not in audio_groups
