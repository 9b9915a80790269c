"""Errors raised by the engine. They reach the job panel; cancelling is not a failure."""


class EngineError(Exception):
    """Base of every engine failure."""


class EngineInputError(EngineError, ValueError):
    """A request value the engine cannot take; the message says what was given and what is allowed."""


class WeightsNotFoundError(EngineError, FileNotFoundError):
    """No usable weights at the given location; names the folder and the expected layout."""


class IncompatibleWeightsError(EngineError):
    """A checkpoint whose keys or shapes do not match the model."""

    def __init__(self, path, missing=(), unexpected=(), mismatched=()):
        self.path = str(path)
        self.missing = list(missing)
        self.unexpected = list(unexpected)
        self.mismatched = list(mismatched)
        parts = [f"{self.path} does not fit the SEINE UNet"]
        for label, keys in (("missing", self.missing), ("unexpected", self.unexpected),
                            ("wrong shape", self.mismatched)):
            if keys:
                shown = ", ".join(map(str, keys[:8])) + (" ..." if len(keys) > 8 else "")
                parts.append(f"{len(keys)} {label} key(s): {shown}")
        super().__init__("; ".join(parts))


class OutOfMemoryError(EngineError, MemoryError):
    """The device ran out of memory; says how much was needed and what to try instead."""


class GenerationCancelled(EngineError):
    """The caller cancelled the run; nothing was decoded. Not a failure."""
