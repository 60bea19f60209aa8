"""Walking an input folder: every file below it, each real folder visited once.

Both builds read folders an officer points them at, where a symbolic link may lead back up the
tree. Following links without a check walks such a loop for ever (and, with two links, in
exponentially many paths), so each folder is identified by its device and inode and read once;
a link back to a folder already read is named in the notes instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.errors import printable


def walk(root: Path, keep: Callable[[Path], bool] | None = None) -> tuple[list[Path], list[str]]:
    """Every file under ``root`` that ``keep`` accepts (all by default), sorted, and notes.

    Hidden names (``.git``, ``.DS_Store``) are passed by. Symbolic links are followed, but each
    real folder is read once: a link back to one already read, a folder that cannot be listed
    and a dangling link each leave a note (file names escaped) rather than an error. ``root``
    may be a single file.
    """
    root = Path(root)
    if root.is_file():
        return [root], []
    files: list[Path] = []
    notes: list[str] = []
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            info = folder.stat()
        except OSError as exc:
            notes.append(f"{printable(folder)}: could not be opened ({exc.strerror or exc})")
            continue
        if (info.st_dev, info.st_ino) in seen:
            notes.append(
                f"{printable(folder)}: a link back to a folder already read (a loop); "
                "not read again"
            )
            continue
        seen.add((info.st_dev, info.st_ino))
        try:
            entries = sorted(folder.iterdir())
        except OSError as exc:
            notes.append(f"{printable(folder)}: could not be listed ({exc.strerror or exc})")
            continue
        for entry in reversed(entries):
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    stack.append(entry)
                elif entry.is_file():
                    if keep is None or keep(entry):
                        files.append(entry)
                elif entry.is_symlink():
                    notes.append(f"{printable(entry)}: a link to nothing; not read")
            except OSError as exc:  # a link that loops on itself
                notes.append(f"{printable(entry)}: could not be read ({exc.strerror or exc})")
    return sorted(files), notes


def escaped(text: object, *paths: Path | None) -> str:
    """``text`` for the terminal: control and direction-changing characters escaped and the
    message's own line breaks kept. A name that holds such characters (one of ``paths``, or a
    file or folder under one of them) is escaped whole wherever it appears, line breaks
    included, so it can neither forge a line of a summary nor reverse the text after it."""
    text = str(text)
    names: set[str] = set()
    for path in paths:
        if path is None:
            continue
        names.add(str(path))
        if Path(path).is_dir():
            for file in walk(path)[0]:
                rel = file.relative_to(path)
                names.update([str(file), *(p.as_posix() for p in (rel, *rel.parents))])
    for name in sorted((n for n in names if printable(n) != n), key=len, reverse=True):
        text = text.replace(name, printable(name))
    return "\n".join(printable(line) for line in text.split("\n"))
