"""Errors the editor shows to people. Each message names the file or value and what is allowed."""


class SeineEditorError(Exception):
    """Base of every error the editor reports as a status line or dialog."""


class FileError(SeineEditorError):
    """A problem with one file: the message is "<path>: <reason in plain words>"."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class MediaError(FileError):
    """A media file cannot be probed, decoded or written."""


class OutputLocationError(MediaError):
    """Where an output goes cannot take it: a folder where a file goes (or the reverse), a folder holding other
    files, a missing or unwritable folder, a full or read-only disk. The caller's choice, not the render, is what
    failed: the command line answers it with the bad-input exit code."""


class PlacementError(SeineEditorError):
    """An edit that would break the timeline; raised before anything changes."""


class ProjectFileError(FileError):
    """A project or interchange file cannot be opened or saved."""


class ExportError(SeineEditorError):
    """Rendering or interchange export failed."""


class OfflineMediaError(ExportError):
    """The timeline references media that is missing or damaged; lists the files, each with its reason."""

    def __init__(self, paths, reasons=None):
        self.paths = list(paths)
        self.reasons = list(reasons) if reasons is not None else ["missing"] * len(self.paths)
        listed = "\n  ".join(f"{path} ({reason})" for path, reason in zip(self.paths, self.reasons))
        super().__init__(f"{len(self.paths)} media file(s) offline or damaged:\n  {listed}")


class SettingsError(SeineEditorError):
    """A project or application setting has a value that is not allowed."""


class EngineNotReady(SettingsError):
    """The engine an item asks for lacks a required option (its weights): nothing is made, and never with another
    engine behind the person's back. ``engine`` names it."""

    def __init__(self, engine: str, message: str):
        self.engine = engine
        super().__init__(message)
