"""The playground's one error family: whatever a user asked for that it refuses.

Every refusal names what was wrong (``field``: a setting such as ``lr``, or a part of
the input such as ``points``) and says what is allowed (``message``). The server answers
any of them with ``{"event", "field", "message"}``, the command line prefixes the flag,
and Python users catch :class:`PlaygroundError` (or ``ValueError``) alone: the kinds
below say where the refusal came from, and no layer translates one into another.
"""

from __future__ import annotations


class PlaygroundError(ValueError):
    """A refused request: ``.field`` names what was wrong, ``.message`` says why.

    ``str(err)`` is ``"field: message"`` (the message alone when it already begins with
    the field's name, so nothing is said twice).
    """

    def __init__(self, field: str, message: str):
        super().__init__(message if message.startswith(field) else f"{field}: {message}")
        self.field = field
        self.message = message


class ConfigError(PlaygroundError):
    """A refused setting of :class:`engine.Config` (``field`` is the setting's name)."""


class DataError(PlaygroundError):
    """Points refused by :func:`engine.datasets.custom_data` or the CSV reader
    (``field``: "points", "labels", "targets", "domain", "task" or "file")."""


class RunFileError(PlaygroundError):
    """A run file that cannot be opened (engine/run_file.py): ``field`` is "file" and
    the message, which begins "run file:", says what in it is wrong."""

    def __init__(self, message: str):
        super().__init__("file", message)
