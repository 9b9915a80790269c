"""The undo commands: a call of one document method (`CallCommand`; the declared edits and the project's own
intents make them), and several applied edits as one step (`MacroCommand`). Each holds the document's memento.

The first redo is the edit itself (run by `Project` before `push()`, so a refused edit pushes nothing);
every later undo/redo calls `document.restore(memento)`, which returns the memento of the other way.
"""
from __future__ import annotations

from typing import Any, Optional

from PySide6.QtGui import QUndoCommand

from seine_editor.timeline.document import Edit, Memento, TimelineDocument


class EditCommand(QUndoCommand):
    """Base: `edit()` calls one document method; `apply()` runs it once before the push (a refused edit
    raises PlacementError, changes nothing and is never pushed)."""

    def __init__(self, document: TimelineDocument, text: str):
        super().__init__(text)
        self.document = document
        self._memento: Optional[Memento] = None  # undoes the edit while applied; redoes it while undone
        self._skip_next_redo = False
        self.created_ids: tuple[str, ...] = ()

    def edit(self) -> Edit:
        raise NotImplementedError

    def apply(self) -> None:
        result = self.edit()
        self._memento, self.created_ids = result.undo, result.ids
        self._skip_next_redo = True  # QUndoStack.push() calls redo(); the edit is already made

    def redo(self) -> None:
        if self._skip_next_redo:
            self._skip_next_redo = False
        elif self._memento is None:
            self.apply()
            self._skip_next_redo = False
        else:
            self._memento = self.document.restore(self._memento)

    def undo(self) -> None:
        self._memento = self.document.restore(self._memento)

    def mementos(self) -> tuple[Memento, ...]:
        return () if self._memento is None else (self._memento,)


class CallCommand(EditCommand):
    """An edit that is one call of a document method with keyword arguments (ids, frames, values)."""

    def __init__(self, document: TimelineDocument, text: str, method: str, **arguments: Any):
        super().__init__(document, text)
        self.method, self.arguments = method, arguments

    def edit(self) -> Edit:
        return getattr(self.document, self.method)(**self.arguments)


class MacroCommand(QUndoCommand):
    """Several edits, already applied by `Project.macro` (which undoes them if one is refused), as one undo step
    (a drag that moves several clips)."""

    def __init__(self, text: str, commands: list[EditCommand]):
        super().__init__(text)
        self.commands = commands

    def redo(self) -> None:
        with self.commands[0].document.batch():
            for command in self.commands:
                command.redo()

    def undo(self) -> None:
        with self.commands[0].document.batch():
            for command in reversed(self.commands):
                command.undo()

    @property
    def created_ids(self) -> tuple[str, ...]:
        return tuple(i for command in self.commands for i in command.created_ids)

    def mementos(self) -> tuple[Memento, ...]:
        return tuple(m for command in self.commands for m in command.mementos())


def undo_history(stack) -> tuple[Memento, ...]:
    """Every memento the undo stack holds (both directions), for changes that must reach the whole history."""
    commands = (stack.command(index) for index in range(stack.count()))
    return tuple(m for command in commands if hasattr(command, "mementos") for m in command.mementos())
