"""Undo commands: each wraps one core.timeline edit, so undo restores the exact prior state."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from core.timeline import Edit, Project


class EditCommand(QUndoCommand):
    """Runs ``op(project, *args)`` once; afterwards undo/redo replay its snapshots.

    Build it with :func:`perform`, which runs the edit first so a rejected edit (EditError)
    never reaches the undo stack.
    """

    def __init__(self, project: Project, edit: Edit, on_change: Callable[[], None]):
        super().__init__(edit.label)
        self._project, self._edit, self._on_change = project, edit, on_change
        self._first = True

    def redo(self) -> None:
        if self._first:  # the edit is already applied
            self._first = False
        else:
            self._edit.redo(self._project)
        self._on_change()

    def undo(self) -> None:
        self._edit.undo(self._project)
        self._on_change()


def perform(stack, project: Project, on_change: Callable[[], None], op: Callable[..., Edit], *args, **kwargs) -> Edit:
    """Apply a core edit and push it on ``stack``; raises EditError (nothing pushed) if invalid."""
    edit = op(project, *args, **kwargs)
    stack.push(EditCommand(project, edit, on_change))
    return edit
