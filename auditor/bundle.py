"""Find the JavaScript a release runs: `cli.js` in the npm tarball, or the source embedded in a native binary.

Since 2.1.113 Claude Code ships a Bun single-file executable. Bun appends a module graph to the
binary (in an ELF section `.bun`, or at the end of the file on other formats) that ends with an
`Offsets` record and the trailer ``\\n---- Bun! ----\\n``. The graph lists every embedded file with
its name, source text, and (newer releases) compiled bytecode beside it. We read that table; nothing
is executed.
"""

from __future__ import annotations

import mmap
import os
import re
import struct
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import zstandard

from .errors import BundleNotFound, DownloadError, TooLarge
from .limits import Limits
from .npm import format_size

BUN_TRAILER = b"\n---- Bun! ----\n"
_OFFSETS = struct.Struct("<QIIIIII")  # byte_count, modules(off,len), entry id, argv(off,len), flags
_TEXT_ENCODINGS = {0: "latin-1", 1: "latin-1", 2: "utf-16-le"}  # Bun: binary, latin1, utf16
_JS_LOADERS = {0, 1, 2, 3}  # jsx, js, ts, tsx
_TEXT_LOADER = 13
_FILE_LOADER = 5  # an asset as is: newer releases embed prompt documents zstd-compressed (`SKILL.md.zst`)
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_ZST_TEXT = re.compile(r"\.(?:md|txt)\.zst$")
_DOCUMENT_LIMIT = 8 << 20  # a decompressed document larger than this is data, not a prompt
_MODULE_JOIN = "\n;\n"
_HASH_SUFFIX = re.compile(r"-[0-9a-z]{8}(?=\.[^/]*$)")


@dataclass(frozen=True)
class Module:
    """One embedded file: `name` has Bun's per-build hash suffix removed so it is stable across releases."""

    name: str
    text: str
    is_code: bool
    path: str = ""  # as embedded, hash and all: what other modules' `import … from "…"` name

    @property
    def file(self) -> str:
        """The embedded file's own name (`chunk-4vtpkfhj.js`), unique within one build."""
        return re.split(r"[/\\]", self.path or self.name)[-1]


@dataclass(frozen=True)
class Bundle:
    """The program's source as found: where it came from and its modules (code and embedded text files)."""

    origin: str
    modules: tuple[Module, ...]

    @cached_property
    def code(self) -> str:
        """All JavaScript, one module after another (each module is a complete program text)."""
        return _MODULE_JOIN.join(m.text for m in self.modules if m.is_code)

    @property
    def code_modules(self) -> list[Module]:
        return [m for m in self.modules if m.is_code]

    @cached_property
    def module_starts(self) -> list[int]:
        """Where each code module begins in `code`: minified names are only unique within one module."""
        starts, pos = [], 0
        for m in self.modules:
            if m.is_code:
                starts.append(pos)
                pos += len(m.text) + len(_MODULE_JOIN)
        return starts

    @property
    def documents(self) -> dict[str, str]:
        """Embedded non-code text files (prompt markdown and the like), by stable name. Several files
        of one name (each skill's `SKILL.md`) are told apart by what they call themselves."""
        docs = [m for m in self.modules if not m.is_code]
        count: dict[str, int] = {}
        for m in docs:
            count[m.name] = count.get(m.name, 0) + 1
        out: dict[str, str] = {}
        for m in docs:
            key = m.name if count[m.name] == 1 else f"{m.name} ({_document_label(m.text)})"
            while key in out:  # same label too: keep both, in a stable order
                key += "'"
            out[key] = m.text
        return out


def unpack(tgz: Path, dest: Path, limits: Limits | None = None, label: str = "") -> None:
    """Unpack a package tarball into `dest` (npm tarballs hold one `package/` folder), stopping with
    TooLarge as soon as it holds more files or bytes than `limits` allow (the caller removes `dest`)."""
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            tar.extractall(dest, members=_within(tar, limits or Limits(), label or tgz.name), filter="data")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise DownloadError(f"corrupt package archive {tgz.name}: {exc}") from None


def _within(tar: tarfile.TarFile, limits: Limits, label: str) -> Iterator[tarfile.TarInfo]:
    """The archive's members as they are read, each counted before it is written."""
    files = size = 0
    for member in tar:
        files += 1
        size += member.size
        if files > limits.files:
            raise TooLarge(f"{label}: the package holds more than {limits.files} files (--max-files or $AUDITOR_MAX_FILES raise it)")
        if size > limits.unpacked:
            raise TooLarge(f"{label}: the package unpacks to more than {format_size(limits.unpacked)} "
                           f"(--max-unpacked or $AUDITOR_MAX_UNPACKED raise it)")
        yield member


def from_directory(root: Path, entry_files: tuple[str, ...], binary_names: tuple[str, ...] = (), label: str = "") -> Bundle:
    """The bundle of an unpacked package: a JS entry file (with the chunks it imports) if present, else an
    embedded binary."""
    for name in entry_files:
        path = root / name
        if path.is_file():
            return Bundle(origin=name, modules=tuple(_imported(root, name)))
    for name in binary_names:
        path = root / name
        if path.is_file():
            return Bundle(origin=name, modules=from_binary(path).modules)
    wanted = ", ".join(entry_files + binary_names)
    raise BundleNotFound(f"{label or root.name} contains none of {wanted}")


# `import … from "./x.js"`, `import "./x.js"`, `import("./x.js")`, `export … from "./x.js"`: a split bundle's chunks
_RELATIVE_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}/[^"'\s]+\.m?js)["']""")
_ESBUILD_HASH = re.compile(r"-[0-9A-Z]{8}(?=\.m?js$)")


def _imported(root: Path, entry: str) -> Iterator[Module]:
    """The entry file and every JS file of the package it reaches through relative imports, entry first.

    A split bundle (esbuild's `chunk-4GP6HFBO.js`) ships chunks of several programs side by side, some
    near-copies of each other (Gemini CLI has three 16 MB copies of its core, one per entry point): only
    what this entry imports is its program. A chunk whose text was already read is read once. Nothing
    outside `root` is followed.
    """
    base = root.resolve()
    queue, seen, texts = [entry], {entry}, set()
    while queue:
        name = queue.pop(0)
        text = (root / name).read_bytes().decode("utf-8", "replace")
        if text in texts:
            continue
        texts.add(text)
        yield Module(_ESBUILD_HASH.sub("", name), text, True, name)
        for spec in dict.fromkeys(_RELATIVE_IMPORT.findall(text)):
            path = ((root / name).parent / spec).resolve()
            if not path.is_relative_to(base) or not path.is_file():
                continue
            found = path.relative_to(base).as_posix()
            if found not in seen:
                seen.add(found)
                queue.append(found)


def from_binary(path: Path) -> Bundle:
    """Read the Bun module graph of a native executable without running it."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < len(BUN_TRAILER) + _OFFSETS.size:
            raise BundleNotFound(f"{path.name} is too small to hold an embedded bundle")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return Bundle(origin=path.name, modules=tuple(read_bun_graph(mm, path.name)))


def read_bun_graph(data, label: str = "binary") -> list[Module]:
    """Parse the module table that precedes Bun's trailer; raise BundleNotFound when there is none."""
    end = data.rfind(BUN_TRAILER)
    if end < _OFFSETS.size:
        raise BundleNotFound(f"{label} has no embedded JavaScript bundle (no Bun module graph)")
    byte_count, mod_off, mod_len, _entry, _argv_off, _argv_len, _flags = _OFFSETS.unpack_from(data, end - _OFFSETS.size)
    base = end - _OFFSETS.size - byte_count
    if base < 0 or mod_off + mod_len > byte_count or mod_len == 0:
        raise BundleNotFound(f"{label} has a damaged Bun module graph")
    table = data[base + mod_off : base + mod_off + mod_len]
    width = _record_width(table, data, base, byte_count)
    modules = []
    for start in range(0, mod_len, width):
        record = table[start : start + width]
        name_off, name_len, text_off, text_len = struct.unpack_from("<4I", record)
        encoding, loader = record[width - 4], record[width - 3]
        name = bytes(data[base + name_off : base + name_off + name_len]).decode("utf-8", "replace")
        is_code = loader in _JS_LOADERS
        raw = bytes(data[base + text_off : base + text_off + text_len])
        if loader == _FILE_LOADER and _ZST_TEXT.search(name) and raw.startswith(_ZSTD_MAGIC):
            text = _decompress(raw).decode("utf-8", "replace")
            modules.append(Module(_stable_name(name[: -len(".zst")]), text, False, name))
        elif is_code or loader == _TEXT_LOADER:
            text = raw.decode(_TEXT_ENCODINGS.get(encoding, "utf-8"), "replace")
            modules.append(Module(_stable_name(name), text, is_code, name))
        # else: native addons, other assets, wasm: not text we can read
    if not any(m.is_code for m in modules):
        raise BundleNotFound(f"{label}'s Bun module graph holds no JavaScript source")
    return modules


_SELF_NAME = re.compile(r"^(?:name:\s*[\"']?([^\"'\n]+)|# (.+))$", re.M)


def _document_label(text: str) -> str:
    """A document's own name: its front matter's `name:` or its first heading."""
    m = _SELF_NAME.search(text, 0, 2000)
    return (m.group(1) or m.group(2)).strip() if m else "untitled"


def _decompress(raw: bytes) -> bytes:
    """A zstd frame's content (frames written without their size are read as a stream), at most
    _DOCUMENT_LIMIT bytes."""
    try:
        with zstandard.ZstdDecompressor().stream_reader(raw) as reader:
            return reader.read(_DOCUMENT_LIMIT)
    except zstandard.ZstdError as exc:
        raise BundleNotFound(f"an embedded .zst document is damaged: {exc}") from None


def _record_width(table, data, base: int, byte_count: int) -> int:
    """Module records grew over Bun releases (4–6 string pointers + 4 flag bytes); pick the width whose
    first record's name pointer lands on a `/$bunfs/` or `B:/~BUN/` path inside the graph."""
    for width in (52, 44, 36):
        if len(table) % width:
            continue
        name_off, name_len = struct.unpack_from("<II", table, 0)
        if name_off + name_len <= byte_count:
            name = bytes(data[base + name_off : base + name_off + min(name_len, 16)])
            if name.startswith((b"/$bunfs/", b"B:/~BUN/", b"B:\\~BUN\\")):
                return width
    raise BundleNotFound("unrecognised Bun module graph layout")


def _stable_name(name: str) -> str:
    for prefix in ("/$bunfs/root/", "B:/~BUN/root/", "B:\\~BUN\\root\\"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return _HASH_SUFFIX.sub("", name)
