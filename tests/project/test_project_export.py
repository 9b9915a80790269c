"""Widgets never hold OTIO objects: the Project hands out render snapshots and exports interchange files itself."""
from fractions import Fraction

import opentimelineio as otio
import pytest

from seine_editor.errors import ExportError
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings

W, H, FPS = 64, 48, Fraction(24)


@pytest.fixture
def project(qapp, tmp_path):
    project = Project.new(TimelineSettings(width=W, height=H, fps=FPS))
    track = project.document.track_ids("video")[0]
    for name, first in (("a", 0), ("b", 100)):
        project.append_clip(write_coded_video(tmp_path / f"{name}.mp4", frames=8, width=W, height=H, fps=FPS,
                                              first_index=first), track)
    project.add_generative_transition(project.document.info().track(track).clips[0].id, 4, params={"prompt": "x"})
    yield project
    project.close(discard_recovery=True)


def test_render_snapshot_is_the_documents_frozen_view(project):
    snapshot = project.render_snapshot()
    assert [i.name for i in snapshot.video_tracks()[0].items] == ["a.mp4", "Transition: x", "b.mp4"]
    assert snapshot.duration_frames == 20


def test_export_interchange_bakes_the_generative_item_and_writes_the_file(project, tmp_path):
    result = project.export_interchange(tmp_path / "out" / "cut.otio", background=False)
    timeline = otio.adapters.read_from_file(str(tmp_path / "out" / "cut.otio"))
    clips = list(timeline.find_clips())
    assert [c.name for c in clips] == ["a.mp4", "Transition: x", "b.mp4"]
    assert clips[1].media_reference.target_url == str(result.baked[0])
    assert result.baked[0].parent == tmp_path / "out" / "cut_media" and result.baked[0].exists()
    assert project.document.info().clips()[1].generative.status == "pending"  # the project is untouched


def test_export_interchange_in_the_background_is_a_job(project, tmp_path, qtbot):
    runner = project.generation.runner
    with qtbot.waitSignal(runner.job_finished, timeout=20000) as finished:
        job_id = project.export_interchange(tmp_path / "cut.edl")
    assert finished.args[0] == job_id
    assert (tmp_path / "cut.edl").read_text().startswith("TITLE:")


def test_an_unknown_format_is_refused_before_any_work(project, tmp_path):
    with pytest.raises(ExportError, match=r"cut\.doc: cannot export to \.doc; allowed: \.otio"):
        project.export_interchange(tmp_path / "cut.doc")
    assert not (tmp_path / "cut_media").exists()
