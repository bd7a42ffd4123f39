"""``--workers``: the files of an export split over processes, and their merge into one.

Worker ``k`` of ``N`` writes ``<output>.part-k-of-N.<format>`` (JSON Lines for
Parquet) with its own checkpoint, through :func:`export_sessions`'s machinery.
A manifest, ``<output>.workers``, records N (and the format and shard) from
before the first worker starts until the very end. Once every worker has
succeeded, the parts are merged into a temporary file that is fsynced and
renamed over the output; the manifest is then marked merged (with the totals,
for the summary), and only after that do the parts, their checkpoints and last
the manifest go. Whatever the moment of a crash, a resume finds either workers
to resume, an output to check against the checkpoints, or a clean-up to finish.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson

from ._checkpoint import Completed, completed_users
from ._exporter import ExportError, ExportFormat, _check_converted, _paths, _sink_class
from ._files import fsync_dir, fsync_file, side_files
from ._tally import Tally
from ._verify import OutputMismatch, check

_MANIFEST_VERSION = 1


def part_format(fmt: ExportFormat) -> ExportFormat:
    """What a worker writes: the output's format, but JSON Lines for Parquet (converted once)."""
    return ExportFormat.JSONL if fmt is ExportFormat.PARQUET else fmt


def manifest_path(output: Path) -> Path:
    """Where a ``--workers`` export records its number of workers."""
    return output.with_name(output.name + ".workers")


def leftovers(output: Path) -> list[Path]:
    """Every file a ``--workers`` export of ``output`` may leave, for any number of workers."""
    found = [Path(p) for p in glob.glob(glob.escape(str(output)) + ".part-*")]
    found += [
        Path(p) for p in glob.glob(glob.escape(str(output.parent / f".{output.name}.part-")) + "*")
    ]
    manifest = manifest_path(output)
    return sorted(found) + [p for p in (manifest, _temporary(manifest)) if p.exists()]


@attrs.frozen
class Manifest:
    """What ``<output>.workers`` says: how the export was split, and whether it is merged."""

    workers: int
    format: ExportFormat
    shard: str | None = None
    #: After the merge: the output's totals (``users`` and a checkpoint entry's fields).
    merged: dict[str, Any] | None = None

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "cariqa_async_workers": _MANIFEST_VERSION,
                "workers": self.workers,
                "format": self.format.value,
                "shard": self.shard,
                "merged": self.merged,
            }
        )

    @classmethod
    def read(cls, output: Path) -> Manifest | None:
        """The manifest beside ``output``; None if there is none.

        Raises:
            ExportError: the file is not a manifest of ours.
        """
        path = manifest_path(output)
        try:
            data = orjson.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ExportError(f"{path} is not a cariqa-async manifest: {exc}") from None
        try:
            if data["cariqa_async_workers"] != _MANIFEST_VERSION:
                raise ValueError("another version")
            return cls(
                workers=int(data["workers"]),
                format=ExportFormat(data["format"]),
                shard=data["shard"],
                merged=data["merged"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ExportError(f"{path} is not a cariqa-async manifest ({exc})") from None

    def write(self, output: Path) -> None:
        """Replace the manifest atomically and durably."""
        path = manifest_path(output)
        temporary = _temporary(path)
        with temporary.open("wb") as handle:
            handle.write(self.to_json() + b"\n")
            fsync_file(handle)
        os.replace(temporary, path)
        fsync_dir(path.parent)


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


@attrs.frozen
class Parts:
    """The files of ``output`` exported by ``workers`` processes."""

    output: Path
    format: ExportFormat
    workers: int

    def part(self, index: int) -> Path:
        """Worker ``index``'s output (0-based)."""
        fmt = part_format(self.format).value
        return self.output.with_name(f"{self.output.name}.part-{index}-of-{self.workers}.{fmt}")

    def checkpoint(self, index: int) -> Path:
        return _paths(self.part(index), part_format(self.format))[1]

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.workers))

    def drop_unvouched(self) -> None:
        """Delete parts without a checkpoint: they vouch for nothing (a worker killed
        between creating its part and its checkpoint), and would block its resume."""
        for k in self:
            if not self.checkpoint(k).exists():
                for path in (self.part(k), *side_files(self.part(k))):
                    path.unlink(missing_ok=True)

    def completed(self) -> Completed:
        """Every worker's checkpointed users and their totals, summed."""
        total = Completed()
        for k in self:
            part = completed_users(self.checkpoint(k))
            total.users.update(part.users)
            total.totals.add(part.totals)
        return total

    def merge(self) -> None:
        """The parts, in worker order, into ``output``: whole or not at all.

        JSON Lines by concatenation, CSV keeping the first part's header only,
        Parquet converted from the parts' JSON Lines into one file. Written to a
        temporary file, fsynced, renamed over ``output``.
        """
        parts = [self.part(k) for k in self]
        if self.format is ExportFormat.PARQUET:
            from ._parquet import convert

            convert(parts, self.output)
            return
        temporary = self.output.with_name(f".{self.output.name}.partial")
        try:
            with temporary.open("wb") as out:
                for k, part in enumerate(parts):
                    with part.open("rb") as source:
                        if k and self.format is ExportFormat.CSV:
                            source.readline()  # every part starts with the same header
                        shutil.copyfileobj(source, out, 1 << 20)
                fsync_file(out)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        os.replace(temporary, self.output)
        fsync_dir(self.output.parent)

    def check_merged(self) -> Completed:
        """Check an ``output`` found after the merge's rename against the checkpoints.

        Raises:
            ExportError: it does not hold exactly the checkpointed users' records.
        """
        completed = self.completed()
        manifest = manifest_path(self.output)
        if self.format is ExportFormat.PARQUET:
            _check_converted(self.output, completed, manifest)
            return completed
        try:
            extra = check(self.output, _sink_class(self.format), completed.users, manifest)
        except OutputMismatch as exc:
            raise ExportError(str(exc)) from None
        if extra is not None:
            raise ExportError(
                f"{self.output} holds records its workers' checkpoints do not list; restore "
                "it, or start over with overwrite (--overwrite)"
            )
        return completed

    def remove(self) -> None:
        """Delete the parts and their checkpoints (after a durable merge), then the manifest."""
        for k in self:
            for path in (self.part(k), *side_files(self.part(k))):
                path.unlink(missing_ok=True)
        for k in self:
            self.checkpoint(k).unlink(missing_ok=True)
        manifest_path(self.output).unlink(missing_ok=True)
        fsync_dir(self.output.parent)


def merged_totals(completed: Completed) -> dict[str, Any]:
    """What a merged manifest records for the summary of a later resume."""
    return {"users": len(completed.users), **completed.totals.to_json()}


def totals_of(merged: dict[str, Any]) -> tuple[int, Tally]:
    """(users, totals) from :func:`merged_totals`."""
    return int(merged["users"]), Tally.from_json(merged)
