"""The `seine-editor` dispatcher: subcommands by name, the window by default."""
import contextlib
import io

import pytest

from seine_editor.cli import SUBCOMMANDS, main, with_default_command


@pytest.mark.parametrize("argv, expected", [
    ([], ["gui"]),
    (["story.otio"], ["gui", "story.otio"]),
    (["--screenshot", "out.png"], ["gui", "--screenshot", "out.png"]),
    (["render", "story.otio", "-o", "out.mp4"], ["render", "story.otio", "-o", "out.mp4"]),
    (["--help"], ["--help"]),
])
def test_the_window_is_the_default_command(argv, expected):
    assert with_default_command(argv) == expected


def test_help_lists_every_subcommand():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    for name in SUBCOMMANDS:
        assert name in out.getvalue()
