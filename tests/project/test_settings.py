"""Project settings: the output format and the engine settings live in the project file, change as undo steps,
and are checked before anything changes."""
import json
from fractions import Fraction

import pytest

from engine.errors import EngineInputError, WeightsNotFoundError
from seine_editor.errors import SettingsError
from seine_editor.project.generation import EngineSettings, GenerationController
from seine_editor.project.project import Project
from seine_editor.timeline.document import TimelineDocument
from seine_editor.timeline.otio_io import TimelineSettings


@pytest.fixture
def project(qapp):
    project = Project.new(TimelineSettings(width=640, height=360, fps=Fraction(24)))
    yield project
    project.close(discard_recovery=True)


def _settings_json(project):
    return json.loads(project.document.to_json())["metadata"]["seine"]["settings"]


def test_changing_the_frame_size_is_one_exact_undo_step(project):
    before = project.document.to_json()
    project.set_settings(width=1280, height=720)
    after = project.document.to_json()
    assert _settings_json(project) == {"width": 1280, "height": 720, "fps": "24", "audio_rate": 48000}
    assert project.undo_stack.text(0) == "Change frame size"
    project.undo_stack.undo()
    assert project.document.to_json() == before
    project.undo_stack.redo()
    assert project.document.to_json() == after


@pytest.mark.parametrize("values, message", [
    ({"width": 641}, "frame size 641x360 is not allowed: use even sizes from 2 to 16384"),
    ({"width": 20000}, "frame size 20000x360 is not allowed: use even sizes from 2 to 16384"),
    ({"audio_rate": 22050}, "audio rate 22050 Hz is not allowed: use 32000, 44100, 48000, 88200 or 96000"),
    ({"fps": 0}, "frame rate 0 is not allowed: it must be above 0"),
])
def test_bad_output_settings_are_refused_and_change_nothing(project, values, message):
    before = project.document.to_json()
    with pytest.raises(SettingsError, match=message):
        project.set_settings(**values)
    assert (project.document.to_json(), project.undo_stack.count()) == (before, 0)


def _two_shots_with_sound(project):
    """A 40-frame shot and one starting on media frame 8, each with its linked sound, a dissolve and a marker."""
    from seine_editor.media.info import AudioStreamInfo, MediaInfo

    sound = (AudioStreamInfo(1, "aac", 48000, 2, "stereo", 2.0),)
    shot = MediaInfo("/media/shot.mp4", "video", 64, 48, 64, 48, Fraction(24), 48, 2.0, audio=sound)
    v1 = project.document.track_ids("video")[0]
    first = project.add_clip(shot, v1, 0, duration_frames=40)[0]
    project.add_clip(shot, v1, 40, source_start_frame=8)
    project.add_dissolve(first, 4, 4)
    project.add_marker(30, "beat")


def _cuts(project):
    return [[(c.start_frame, c.duration_frames, c.source_start_frame) for c in t.clips] for t in project.info().tracks]


def test_a_new_frame_rate_keeps_every_cut_at_its_instant_on_every_track(project):
    _two_shots_with_sound(project)
    project.set_settings(fps=Fraction(25))
    info = project.info()
    assert (info.rate, project.settings.fps, project.undo_stack.undoText()) == (25, 25, "Change frame rate")
    assert _cuts(project) == [[(0, 42, 0), (42, 41, 9)]] * 2  # 40/24 s = 1.67 s = 41.7 frames at 25 fps
    (dissolve,) = info.tracks[0].transitions
    assert (dissolve.cut_frame, dissolve.in_offset_frames, dissolve.out_offset_frames) == (42, 4, 4)
    assert [m.frame for m in info.markers] == [31]  # 30/24 s = 1.25 s


def test_after_a_new_frame_rate_each_clip_opens_on_the_same_media_frame(project):
    from seine_editor.timeline.time import convert_frames

    _two_shots_with_sound(project)
    for rate in (Fraction(25), Fraction(30000, 1001), Fraction(24000, 1001), Fraction(60)):
        project.set_settings(fps=rate)
        second = project.info().tracks[0].clips[1]
        assert convert_frames(second.source_start_frame, rate, Fraction(24)) == 8, rate


def test_a_new_frame_rate_is_one_exact_undo_step(project):
    _two_shots_with_sound(project)
    before = project.document.to_json()
    project.set_settings(fps=Fraction(30000, 1001))
    after = project.document.to_json()
    project.undo_stack.undo()
    assert (project.document.to_json(), project.info().rate) == (before, 24)
    project.undo_stack.redo()
    assert (project.document.to_json(), project.info().rate) == (after, Fraction(30000, 1001))


def test_the_document_signals_a_settings_change_and_its_undo():
    doc = TimelineDocument()
    seen = []
    doc.settings_changed.connect(lambda: seen.append(doc.stored_engine_settings()))
    edit = doc.set_settings(engine={"engine": "crossfade"})
    doc.restore(edit.undo)
    assert seen == [{"engine": "crossfade"}, None]


def test_unknown_engine_setting_is_refused_by_name():
    with pytest.raises(SettingsError, match="engine setting 'colour' is not known"):
        TimelineDocument().set_settings(engine={"colour": "red"})


def test_engine_settings_are_saved_with_the_project_and_read_back(project, tmp_path):
    chosen = EngineSettings.for_engine("seine", device="cpu", preset="final")
    project.generation.set_engine_settings(chosen)
    assert project.undo_stack.text(0) == "Change engine settings"
    project.save_as(tmp_path / "p.otio")
    reopened = Project.open(tmp_path / "p.otio")
    try:
        assert reopened.generation.settings == chosen
        assert _settings_json(reopened)["engine"] == {"engine": "seine", "options": {"seine": {"device": "cpu"}},
                                                      "preset": "final", "host": "worker", "worker_idle_s": 600.0}
    finally:
        reopened.close()


def test_undoing_an_engine_change_gives_the_previous_engine_back(project):
    controller = GenerationController(project, settings=EngineSettings("morph"))
    controller.set_engine_settings(EngineSettings("crossfade"))
    assert controller.settings.engine == "crossfade"
    project.undo_stack.undo()
    assert controller.settings == EngineSettings("morph")


def test_a_bad_weights_folder_names_the_folder_and_layout_and_changes_nothing(project, tmp_path):
    before = project.document.to_json()
    with pytest.raises(WeightsNotFoundError) as raised:
        project.generation.set_engine_settings(EngineSettings.for_engine("seine", weights=str(tmp_path / "nowhere")))
    assert str(tmp_path / "nowhere") in str(raised.value) and "seine.pt" in str(raised.value)
    assert (project.document.to_json(), project.undo_stack.count()) == (before, 0)


def test_an_unknown_preset_is_refused_with_the_engines_presets():
    with pytest.raises(EngineInputError, match="preset 'best' is not one of seine's presets: draft, preview, final"):
        EngineSettings("seine", preset="best").check()


def test_a_preset_for_an_engine_without_presets_is_refused():
    with pytest.raises(SettingsError, match="the Morph engine has no presets; preset 'draft' is not allowed"):
        EngineSettings("morph", preset="draft").check()


def test_settings_stored_before_engines_had_their_own_options_are_read_into_the_engines_that_take_them():
    stored = {"engine": "seine", "weights": "/w", "device": "cpu", "preset": "final"}
    assert EngineSettings.from_json(stored) == EngineSettings(
        "seine", {"seine": {"weights": "/w", "device": "cpu"}}, preset="final")


def test_jobs_use_the_project_engine_and_its_default_preset(project, tmp_path):
    from seine_editor.media.synthetic import write_coded_video

    track = project.document.track_ids("video")[0]
    for name in ("a", "b"):
        project.append_clip(write_coded_video(tmp_path / f"{name}.mp4", frames=4, width=64, height=48), track)
    project.generation.set_engine_settings(EngineSettings.for_engine("seine", preset="final", host="server",
                                                                     server_url="http://127.0.0.1:9"))
    item = project.generation.add_generative_transition(track, 4, duration_frames=4)
    spec = project.generation.spec_for(item)
    assert (spec.engine, spec.params.preset) == ("seine", "final")


def test_an_item_whose_engine_has_no_weights_is_not_made_with_another_and_says_so(project, tmp_path):
    from seine_editor.media.synthetic import write_coded_video

    track = project.document.track_ids("video")[0]
    for name in ("a", "b"):
        project.append_clip(write_coded_video(tmp_path / f"{name}.mp4", frames=4, width=64, height=48), track)
    project.generation.set_engine_settings(EngineSettings.for_engine("seine", preset="final"))
    item = project.generation.add_generative_transition(track, 4, duration_frames=4)
    state = project.generation.item_state(item)
    assert (state.state, state.job_id, state.error_type) == ("failed", None, "EngineNotReady")
    assert state.reason.startswith("SEINE needs weights")
    assert project.document.info().clip(item).generative.params["preset"] == "final"


def test_an_items_own_engine_is_honoured_over_the_projects(project, tmp_path):
    from seine_editor.media.synthetic import write_coded_video

    track = project.document.track_ids("video")[0]
    for name in ("a", "b"):
        project.append_clip(write_coded_video(tmp_path / f"{name}.mp4", frames=4, width=64, height=48), track)
    project.generation.set_engine_settings(EngineSettings("crossfade"))
    item = project.generation.add_generative_transition(track, 4, params={"engine": "morph"}, duration_frames=4)
    assert project.generation.spec_for(item).engine == "morph"


def test_old_weights_of_a_project_whose_engine_was_morph_stay_with_the_model_they_were_for():
    stored = {"engine": "morph", "weights": "/w"}
    assert EngineSettings.from_json(stored) == EngineSettings("morph", {"seine": {"weights": "/w"}})


def test_a_project_that_keeps_no_engine_settings_follows_this_computers(qapp):
    from seine_editor.project.preferences import Preferences, save_preferences

    save_preferences(Preferences(engine=EngineSettings("crossfade", host="in-process").to_json()))
    project = Project.new()
    assert project.generation.settings == EngineSettings("crossfade", host="in-process")
    project.close(discard_recovery=True)


def test_items_that_waited_for_weights_are_made_once_their_engine_can_run(project, tmp_path):
    from seine_editor.media.synthetic import write_coded_video

    track = project.document.track_ids("video")[0]
    for name in ("a", "b"):
        project.append_clip(write_coded_video(tmp_path / f"{name}.mp4", frames=4, width=64, height=48), track)
    item = project.generation.add_generative_transition(track, 4, duration_frames=4)
    assert project.generation.engine_missing(item).startswith("SEINE needs weights")
    project.generation.set_engine_settings(EngineSettings("seine", host="server", server_url="http://127.0.0.1:9"))
    state = project.generation.item_state(item)
    assert state.job_id is not None and project.generation.engine_missing(item) is None
