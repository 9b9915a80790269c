"""A foreign sequence's own format and start timecode are read on open and kept on export."""
from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from seine_editor.cli import main
from seine_editor.timeline import otio_io
from seine_editor.timeline.settings import TimelineSettings

SAMPLES = Path(__file__).resolve().parents[1] / "interchange_samples"


@pytest.mark.parametrize("name,settings,start", [
    ("xml/premiere_example.xml", TimelineSettings(1280, 720, Fraction(30)), "00:00:00:00"),
    ("xml/hiero_xml_export.xml", TimelineSettings(1920, 1080, Fraction(24)), "01:00:00:00"),
    ("xml/premiere_generators.xml", TimelineSettings(1920, 1080, Fraction(24000, 1001)), "00:00:00:00"),
    ("xml/fcpx_example.fcpxml", TimelineSettings(1920, 1080, Fraction(30)), None),
    ("edl/avid_example.edl", TimelineSettings(1920, 1080, Fraction(24)), "00:59:53:11"),
])
def test_a_foreign_sequence_opens_at_its_own_size_rate_and_start(name, settings, start):
    timeline = otio_io.read_timeline(SAMPLES / name).timeline
    assert otio_io.read_settings(timeline) == settings
    stated = timeline.global_start_time
    assert (otio.opentime.to_timecode(stated, stated.rate) if stated is not None and stated.value else
            "00:00:00:00" if stated is not None else None) == start


def _events(text: str) -> list[list[str]]:
    return [line.split()[4:8] for line in text.splitlines() if re.match(r"\d{3}\s", line)]


def test_an_edl_exported_again_keeps_its_record_start_and_windows_paths(tmp_path):
    source = SAMPLES / "edl" / "avid_example.edl"
    assert main(["export", str(source), "-o", str(tmp_path / "again.edl")]) == 0
    again = (tmp_path / "again.edl").read_text()
    assert _events(again) == _events(source.read_text())
    assert "* FROM CLIP: S:\\path\\to\\ZZ100_501.take_1.0001.exr" in again.splitlines()


def test_fcp7_xml_export_keeps_the_size_rate_and_start_timecode(tmp_path):
    timeline = otio.schema.Timeline("Reel 2", global_start_time=otio.opentime.from_timecode("10:00:00:00", 25))
    timeline.tracks.append(otio.schema.Track("V1"))
    timeline.tracks[0].append(otio.schema.Gap(duration=otio.opentime.RationalTime(25, 25)))
    otio_io.write_settings(timeline, TimelineSettings(1280, 720, Fraction(25)))
    otio_io.save_timeline(timeline, tmp_path / "reel2.otio")
    assert main(["export", str(tmp_path / "reel2.otio"), "-o", str(tmp_path / "reel2.xml")]) == 0
    back = otio_io.read_timeline(tmp_path / "reel2.xml").timeline
    assert otio_io.read_settings(back) == TimelineSettings(1280, 720, Fraction(25))
    assert back.global_start_time == otio.opentime.from_timecode("10:00:00:00", 25)
