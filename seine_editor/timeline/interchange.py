"""Export a timeline for other editors: .otio, .otioz, CMX3600 EDL, FCP7 XML, FCPX XML, MLT XML (Shotcut, and
Kdenlive's engine `melt`) and the other installed OTIO adapters that can write (.otiod, .xges, .ale, .aaf).

The project is never touched: everything happens on a deep copy (the EDL writer edits its input). Before
writing, each generative item is baked: the caller's `Baker` renders its frames into a real movie at the
timeline's rate and size, and the clip becomes an ordinary clip on that file, its provenance kept in
`metadata["seine"]["provenance"]`. Timeline resolution and rate go in the timeline's metadata.

Only the take that plays leaves the project: `metadata["seine"]["takes"]` of a baked clip holds that one take,
its path the baked movie beside the export (the same frames at the timeline's size and rate); the other takes
live in the project's cache (for an untitled project, a scratch folder), so an export naming them would point
at files another machine, or a later cleanup, does not have. A pending item exports no takes.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path, PureWindowsPath
from typing import Callable, Optional

import opentimelineio as otio

from seine_editor.errors import ExportError
from seine_editor.output_location import cannot_write, check_file_target, check_folder_target, check_folder_to_add_to
from seine_editor.timeline import generated, layout, meta
from seine_editor.timeline.media_paths import is_foreign_path
from seine_editor.timeline.media_ranges import fill_available_ranges, move_to_source_timecode
from seine_editor.timeline.snapshot import build_render_snapshot
from seine_editor.timeline.time import exact_rate, timecode, to_range

ADAPTERS = {".otio": "otio_json", ".otioz": "otioz", ".otiod": "otiod", ".edl": "cmx_3600", ".xml": "fcp_xml",
            ".fcpxml": "fcpx_xml", ".xges": "xges", ".ale": "ale", ".aaf": "AAF", ".mlt": "mlt_xml"}
ADAPTERS_NAMED = {"fcp_xml": "FCP7 XML", "fcpx_xml": "FCPX XML", "xges": "GES", "ale": "ALE", "AAF": "AAF"}
SPEED_WRITTEN = {"otio_json", "otioz", "otiod", "cmx_3600", "mlt_xml"}  # the writers that keep a clip's time warp

REEL_LENGTH = 8  # CMX3600
OTIOD_CONTENTS = re.compile(r"content\.otio|media")  # an earlier .otiod bundle, replaced whole


@dataclass(frozen=True)
class BakeRequest:
    """A generative item to render into a movie file named ``file_name`` inside the baker's folder."""

    clip_name: str
    kind: str
    file_name: str
    clip_id: str
    start_frame: int
    duration_frames: int
    rate: Fraction
    provenance: dict  # written into the movie's container tags too


Baker = Callable[[BakeRequest, Path], Path]  # (request, folder) -> path of the finished movie


@dataclass(frozen=True)
class InterchangeResult:
    path: Path
    adapter: str
    baked: tuple[Path, ...]
    notes: tuple[str, ...]  # what the format could not keep


def adapter_for(path: Path) -> str:
    adapter = ADAPTERS.get(path.suffix.lower())
    if adapter is None:
        raise ExportError(f"{path}: cannot export to {path.suffix or 'a file without a suffix'}; allowed: "
                          f"{', '.join(ADAPTERS)}")
    return adapter


def export_timeline(timeline: otio.schema.Timeline, path, *, rate: Fraction, size: tuple[int, int],
                    baker: Optional[Baker] = None, media_folder=None) -> InterchangeResult:
    """Write a baked deep copy of ``timeline`` to ``path`` with the adapter its suffix names."""
    path = Path(path).absolute()  # a relative path names the same file for every reference written into it
    adapter = adapter_for(path)
    folder = Path(media_folder).absolute() if media_folder else path.with_name(f"{path.stem}_media")
    check_folder_target(path, OTIOD_CONTENTS) if adapter == "otiod" else check_file_target(path, tuple(ADAPTERS))
    copy = timeline.deepcopy()
    meta.update(copy, rate=f"{rate.numerator}/{rate.denominator}" if rate.denominator != 1 else rate.numerator,
                width=int(size[0]), height=int(size[1]))
    made_folder = not folder.exists()
    try:
        baked = bake_generative_items(copy, rate, baker, folder)
        notes = fill_available_ranges(copy, fallback_to_source=adapter in ("fcp_xml", "fcpx_xml"))
        if adapter != "mlt_xml":  # MLT counts a producer's frames from the file's first one
            move_to_source_timecode(copy)
        notes += _fit_to_format(copy, adapter)
        _write(copy, path, adapter, _mlt_profile(rate, size) if adapter == "mlt_xml" else {})
    except BaseException:
        if made_folder:  # the baked movies of an export that did not happen
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return InterchangeResult(path, adapter, tuple(baked), tuple(notes))


def bake_generative_items(timeline: otio.schema.Timeline, rate: Fraction, baker: Optional[Baker],
                          folder: Path) -> list[Path]:
    """Replace every generative clip of ``timeline`` (a copy) by an ordinary clip on its baked movie."""
    jobs = list(_generative_clips(timeline, rate))
    if jobs and baker is None:
        raise ExportError(f"the timeline has {len(jobs)} generative item(s) and no way to bake them was given")
    if jobs:
        check_folder_to_add_to(folder)
    baked = []
    used_names: set[str] = set()
    for clip, request in jobs:
        request = _unique(request, used_names)
        movie = baker(request, folder)
        take = generated.active_take(clip)  # before the references change: it follows the active key
        reference = otio.schema.ExternalReference(target_url=str(movie),
                                                  available_range=to_range(0, request.duration_frames, rate))
        key = otio.schema.Clip.DEFAULT_MEDIA_KEY
        clip.set_media_references({key: reference}, key)  # the generator reference means nothing elsewhere
        clip.source_range = to_range(0, request.duration_frames, rate)
        meta.update(clip, provenance=request.provenance, baked_file=movie.name,
                    takes=[{**take, "path": str(movie)}] if take else [])
        baked.append(movie)
    return baked


def _generative_clips(timeline: otio.schema.Timeline, rate: Fraction):
    """(clip, request) for each generative item on a video track, placed as the render plan places it."""
    for clip in timeline.find_clips():  # ``timeline`` is a copy: a hand-written item gets an id to be found by
        if generated.is_generative(clip):
            meta.ensure_id(clip)
    placed = {item.clip_id: item for track in build_render_snapshot(timeline, rate).video_tracks()
              for item in track.items if item.generative is not None}
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track) or track.kind != otio.schema.TrackKind.Video:
            continue
        clips = [c for c in track if isinstance(c, otio.schema.Clip)]
        for clip in clips:
            item = placed.get(meta.item_id(clip) or "")
            if item is not None:
                yield clip, _request(clip, clips, item.clip_id, item.start_frame, item.duration_frames, rate)


def _request(clip, clips, clip_id: str, start: int, duration: int, rate: Fraction) -> BakeRequest:
    seine = meta.seine(clip)
    kind = seine.get("kind", "")
    position = clips.index(clip)
    before = clips[position - 1].name if position > 0 else "start"
    after = clips[position + 1].name if position + 1 < len(clips) else "end"
    short = kind.rsplit(".", 1)[-1]
    label = {"transition": f"{_slug(before)}_to_{_slug(after)}", "extend": _slug(before)}.get(
        short, _slug(_still_name(seine) or clip.name))
    version = max(1, len(seine.get("takes", [])))
    return BakeRequest(clip.name, kind, f"GEN_{short}_{label}_v{version}.mov", clip_id, start, duration,
                       rate, provenance(clip, rate))


def provenance(clip: otio.schema.Clip, rate: Fraction) -> dict:
    """Where a generative item's frames come from. With a take playing: the engine, weights identity and the
    preset, steps, scheduler and guidance it resolved (as the take recorded them); with the placeholder
    playing (status "pending"): the request's own params and no weights."""
    seine = meta.seine(clip)
    params = seine.get("params", {})
    take = generated.active_take(clip) or {}
    made = {key: take.get(key, params.get(key)) for key in ("engine", "preset", "steps", "scheduler", "guidance")}
    return {"kind": seine.get("kind", ""), **made, "engine": made["engine"] or "",
            "weights": take.get("engine_identity") or "", "take": take.get("key"),
            "prompt": params.get("prompt", ""), "negative_prompt": params.get("negative_prompt", ""),
            "seed": params.get("seed", 0), "sources": seine.get("sources", []),
            "status": seine.get("status", "pending"), "fingerprint": seine.get("fingerprint", ""),
            "start_timecode": timecode(0, rate, False)}


def _still_name(seine: dict) -> str:
    still = next((s for s in seine.get("sources", []) if s.get("role") == "still"), None)
    return Path(still["media_path"]).stem if still and still.get("media_path") else ""


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:40] or "clip"


def _unique(request: BakeRequest, used: set[str]) -> BakeRequest:
    name, stem, n = request.file_name, request.file_name[:-4], 2
    while name in used:
        name, n = f"{stem}_{n}.mov", n + 1
    used.add(name)
    return BakeRequest(**{**request.__dict__, "file_name": name})


def _fit_to_format(timeline: otio.schema.Timeline, adapter: str) -> list[str]:
    """Drop what the format cannot hold, saying so (the EDL keeps one video track)."""
    notes = []
    if adapter == "cmx_3600":
        video = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
        for extra in video[1:]:
            timeline.tracks.remove(extra)
            notes.append(f"EDL holds one video track: track '{extra.name}' was left out")
        name_reels(timeline)
        start = timeline.global_start_time
        for track in timeline.tracks:  # the record start, as OTIO's CMX3600 reader and writer both express it
            if start is not None and start.value:
                track.source_range = otio.opentime.TimeRange(-start.rescaled_to(track.duration().rate),
                                                             track.duration())
    if adapter == "fcp_xml":
        _state_fcp7_format(timeline)
    if adapter == "fcpx_xml":
        if any(isinstance(c, otio.schema.Transition) for t in timeline.tracks for c in t):
            notes.append("FCPX XML export drops transitions: dissolves become cuts")
    if adapter == "mlt_xml":
        _played_in_points(timeline)
    sped = list(dict.fromkeys(c.name for c in timeline.find_clips() if layout.speed(c) != 1))
    if sped and adapter not in SPEED_WRITTEN:
        notes.append(f"{ADAPTERS_NAMED.get(adapter, adapter)} export does not write clip speeds: "
                     f"{', '.join(repr(n) for n in sped)} will play at 100% there")
    return notes


def _played_in_points(timeline: otio.schema.Timeline) -> None:
    """MLT's timewarp producer (what the MLT writer makes of a time warp) counts frames at its speed: a sped clip's
    in point is its played frame there, not its media frame."""
    for clip in timeline.find_clips():
        source, speed = clip.source_range, layout.speed(clip)
        if speed > 0 and speed != 1 and source is not None:
            rate = source.start_time.rate
            played = layout.played(clip, source.start_time, exact_rate(rate))
            clip.source_range = otio.opentime.TimeRange(otio.opentime.RationalTime(float(played), rate),
                                                        source.duration)


def _state_fcp7_format(timeline: otio.schema.Timeline) -> None:
    """The sequence's frame size and rate where FCP7 XML keeps them (the writer copies `metadata["fcp_xml"]`)."""
    settings = meta.get(timeline, "settings") or {}
    if not settings.get("width") or not settings.get("height"):
        return
    rate = Fraction(str(meta.get(timeline, "rate") or settings.get("fps") or 24))
    ntsc = rate.denominator == 1001
    sequence = dict(timeline.metadata.get("fcp_xml", {}) or {})
    media = dict(sequence.get("media", {}) or {})
    video = dict(media.get("video", {}) or {})
    picture_format = dict(video.get("format", {}) or {})
    if "samplecharacteristics" not in picture_format:
        picture_format["samplecharacteristics"] = {
            "width": str(settings["width"]), "height": str(settings["height"]),
            "rate": {"timebase": str(round(rate)), "ntsc": "TRUE" if ntsc else "FALSE"}}
        video["format"], media["video"], sequence["media"] = picture_format, video, media
        timeline.metadata["fcp_xml"] = sequence


def _mlt_text(timeline: otio.schema.Timeline, profile: dict) -> str:
    """The MLT XML, with every track's sound mixed in: the writer adds no `mix` transitions, so melt and Shotcut
    would hear only the topmost track that has sound (a music track under the pictures would be silent). Each track
    is summed onto the background track, as Shotcut itself joins its tracks."""
    root = ElementTree.fromstring(otio.adapters.write_to_string(timeline, "mlt_xml", **profile))
    tractor = root.find("tractor")
    tracks = tractor.findall("multitrack/track") if tractor is not None else []
    for index in range(1, len(tracks)):
        mix = ElementTree.SubElement(tractor, "transition", id=f"mix{index}")
        for name, value in (("a_track", 0), ("b_track", index), ("mlt_service", "mix"), ("always_active", 1),
                            ("sum", 1)):
            ElementTree.SubElement(mix, "property", name=name).text = str(value)
    ElementTree.indent(root, space="    ")
    return '<?xml version="1.0" ?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _edl_text(timeline: otio.schema.Timeline) -> str:
    """The CMX3600 text, with each Windows path in a ``* FROM CLIP:`` line as it was written (the writer turns
    its backslashes around)."""
    text = otio.adapters.write_to_string(timeline, "cmx_3600")
    for clip in timeline.find_clips():
        url = getattr(clip.media_reference, "target_url", "") or ""
        if is_foreign_path(url) and "\\" in url:
            text = text.replace(f"CLIP: {url.replace(chr(92), '/')}\n", f"CLIP: {url}\n")
    return text


def name_reels(timeline: otio.schema.Timeline) -> dict[str, str]:
    """Give each source a CMX3600 reel name: at most 8 characters, ASCII letters and digits, unique per source
    (``* FROM CLIP:`` keeps the whole path, which is how a reader finds the file). Returns source -> reel."""
    reels: dict[str, str] = {}
    for clip in timeline.find_clips():
        source = layout.media_path(clip) or clip.name or ""
        if source not in reels:
            reels[source] = _unique_reel(_reel_stem(source), set(reels.values()))
        clip.metadata.setdefault("cmx_3600", {})["reel"] = reels[source]
    return reels


def _reel_stem(source: str) -> str:
    name = PureWindowsPath(source).name if is_foreign_path(source) else Path(source).name
    ascii_name = unicodedata.normalize("NFKD", Path(name).stem).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "", ascii_name).upper()[:REEL_LENGTH] or "REEL"


def _unique_reel(stem: str, used: set[str]) -> str:
    reel, n = stem, 1
    while reel in used:
        n += 1
        reel = stem[:REEL_LENGTH - len(str(n))] + str(n)
    return reel


def _mlt_profile(rate: Fraction, size: tuple[int, int]) -> dict:
    """The MLT profile of the timeline: without one, melt and Shotcut fall back to 720x576 PAL."""
    width, height = size
    return {"width": width, "height": height, "frame_rate_num": rate.numerator, "frame_rate_den": rate.denominator,
            "progressive": 1, "sample_aspect_num": 1, "sample_aspect_den": 1, "display_aspect_num": width,
            "display_aspect_den": height, "colorspace": 709, "description": f"{width}x{height} {float(rate):g} fps"}


def _write(timeline: otio.schema.Timeline, path: Path, adapter: str, options: Optional[dict] = None) -> None:
    """Write beside the target and rename into place, so a failed write leaves any earlier file intact."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    except OSError as error:
        raise cannot_write(path, error, path.parent) from None
    os.close(fd)
    os.unlink(temp_name)  # adapters create the file (otiod: a folder) themselves
    temp = Path(temp_name)
    try:
        if adapter == "cmx_3600":
            temp.write_text(_edl_text(timeline), encoding="utf-8")
        elif adapter == "mlt_xml":
            temp.write_text(_mlt_text(timeline, options or {}), encoding="utf-8")
        else:
            otio.adapters.write_to_file(timeline, str(temp), adapter_name=adapter, **(options or {}))
        if temp.is_dir() and path.is_dir():  # an earlier .otiod bundle: a folder is not renamed over another
            old = path.with_name(f".{path.name}.old")
            os.replace(path, old)
            os.replace(temp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, path)
    except Exception as error:  # adapters raise anything; the user gets the adapter's reason
        _remove(temp)
        raise ExportError(f"{path}: the {adapter} writer failed: {error}") from None


def _remove(temp: Path) -> None:
    if temp.is_dir():
        shutil.rmtree(temp, ignore_errors=True)
    elif temp.exists():
        temp.unlink()
