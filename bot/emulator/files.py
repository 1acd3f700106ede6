"""Files: the store of what the bot uploaded and users sent, getFile, and the downloads at
``/file/bot<token>/<file_path>``.

The state holds the :class:`FileStore` (``EmulatorState.files``); the send methods add the
bot's uploads to it, emulated users theirs.
"""

from __future__ import annotations

from typing import Any

from .models import JSON, Handler, UploadedFile, bad_request

__all__ = ["FileMethods", "FileStore"]


class FileStore:
    """Files by file_id, with their bytes: what the bot uploaded and what users sent."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[JSON, bytes]] = {}
        # Files registered so far: numbers new file ids and paths (and albums).
        self.count = 0

    def meta(self, file_id: str) -> JSON | None:
        """A copy of the file's metadata, file_path included (what getFile answers)."""
        entry = self._files.get(file_id)
        return None if entry is None else dict(entry[0])

    def content(self, file_id: str) -> bytes:
        """The file's bytes (KeyError for an unknown file_id)."""
        return self._files[file_id][1]

    def content_at(self, file_path: str) -> bytes | None:
        """The bytes of the file at this path (a download), or None."""
        for meta, content in self._files.values():
            if meta["file_path"] == file_path:
                return content
        return None

    def add_upload(self, value: Any, kind: str) -> JSON:
        """Register a file the bot sends (or accept a file_id/URL string) → file metadata."""
        if isinstance(value, UploadedFile):
            content, filename = value.content, value.filename
        elif isinstance(value, str) and value:
            if value in self._files:
                return dict(self._files[value][0])
            content, filename = b"", value.rsplit("/", 1)[-1]
        else:
            raise bad_request(f"there is no {kind} in the request")
        self.count += 1
        file_id = f"EMU{kind.upper()}{self.count:06d}"
        meta: JSON = {
            "file_id": file_id,
            "file_unique_id": f"U{self.count:06d}",
            "file_size": len(content),
            "file_path": f"{kind}s/file_{self.count}",
        }
        if kind == "document" and filename:
            meta["file_name"] = filename
        self._files[file_id] = (meta, content)
        return dict(meta)

    def add_user_file(
        self,
        kind: str,
        content: bytes,
        *,
        file_name: str | None,
        mime_type: str | None,
        size: int | None,
    ) -> JSON:
        """Register a file a user sends → its metadata as the bot sees it (no file_path)."""
        self.count += 1
        meta: JSON = {
            "file_id": f"USR{kind.upper()}{self.count:06d}",
            "file_unique_id": f"UU{self.count:06d}",
            "file_size": len(content) if size is None else size,
            "file_path": f"{kind}s/user_file_{self.count}",
        }
        if file_name is not None:
            meta["file_name"] = file_name
        if mime_type is not None:
            meta["mime_type"] = mime_type
        self._files[meta["file_id"]] = (meta, content)
        public = dict(meta)
        public.pop("file_path")  # only getFile reveals the path
        return public


class FileMethods:
    """Where the bot finds a file's path, and the download it then makes."""

    def __init__(self, files: FileStore) -> None:
        self.files = files

    def handlers(self) -> dict[str, Handler]:
        return {"getFile": self.get_file}

    async def get_file(self, p: JSON) -> JSON:
        meta = self.files.meta(str(p.get("file_id") or ""))
        if meta is None:
            raise bad_request("invalid file_id")
        return meta

    def download(self, file_path: str) -> bytes | None:
        """The bytes served at this path, or None (404)."""
        return self.files.content_at(file_path)
