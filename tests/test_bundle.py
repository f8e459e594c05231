"""Finding the JavaScript: cli.js in a tarball, or the module graph inside a native binary."""

from pathlib import Path

import pytest

from auditor import bundle
from auditor.errors import BundleNotFound, DownloadError, TooLarge
from auditor.limits import Limits

from builders import bun_binary, cli_js, js_package, native_package, tgz


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def unpacked(tmp_path: Path, data: bytes) -> Path:
    root = tmp_path / "root"
    bundle.unpack(write(tmp_path, "p.tgz", data), root)
    return root


def test_cli_js_from_a_package(tmp_path):
    found = bundle.from_directory(unpacked(tmp_path, js_package(b"var a='x'")), ("package/cli.js",))
    assert found.origin == "package/cli.js" and found.code == "var a='x'"


def test_native_binary_modules_and_documents(tmp_path):
    found = bundle.from_directory(unpacked(tmp_path, native_package(cli_js())), ("package/cli.js",), ("package/claude",))
    assert found.origin == "package/claude" and "anti_verbosity" in found.code
    assert found.documents == {"prompt.md": "# Prompt\nBe helpful."}  # Bun's hash suffix dropped


def test_many_modules_are_all_read(tmp_path):
    modules = [(f"chunk-{i:08d}.js", f"var m{i}='module {i} text'".encode(), 1) for i in range(50)]
    found = bundle.from_binary(write(tmp_path, "claude", bun_binary(modules)))
    assert len(found.modules) == 50 and "module 49 text" in found.code


def test_binary_without_bundle_is_one_clear_error(tmp_path):
    with pytest.raises(BundleNotFound, match="no embedded JavaScript bundle"):
        bundle.from_binary(write(tmp_path, "claude", b"\x7fELF" + b"\0" * 10000))


def test_damaged_graph_is_an_error_not_garbage(tmp_path):
    data = bytearray(bun_binary([("cli.js", b"var a=1", 1)]))
    trailer = data.rindex(b"\n---- Bun! ----\n")
    data[trailer - 32 : trailer - 24] = (10**12).to_bytes(8, "little")  # byte_count beyond the file
    with pytest.raises(BundleNotFound, match="damaged"):
        bundle.from_binary(write(tmp_path, "claude", bytes(data)))


def test_corrupt_tarball(tmp_path):
    with pytest.raises(DownloadError, match=r"corrupt package archive bad\.tgz"):
        bundle.unpack(write(tmp_path, "bad.tgz", b"\x1f\x8b" + b"garbage" * 100), tmp_path / "root")


def test_package_without_program(tmp_path):
    with pytest.raises(BundleNotFound, match=r"x\.tgz contains none of package/cli\.js, package/claude"):
        bundle.from_directory(unpacked(tmp_path, tgz({"package/README.md": b"hi"})), ("package/cli.js",), ("package/claude",), label="x.tgz")


def test_zst_documents_are_read_and_same_named_ones_told_apart(tmp_path):
    import zstandard

    def zst(text: bytes) -> bytes:
        return zstandard.ZstdCompressor().compress(text)

    modules = [
        ("chunk-a1b2c3d4.js", b"var a=1", 1),
        ("SKILL-24154396.md.zst", zst(b"---\nname: design-sync\n---\n# Design sync\nKeep the design in step."), 5),
        ("SKILL-41027593.md.zst", zst(b"# Verify\nRun the checks before saying done."), 5),
        ("mermaid.min.js", zst(b"var m=1"), 5),  # a compressed library, not a document
        ("notes-0badcafe.txt", b"plain text", 13),
    ]
    found = bundle.from_binary(write(tmp_path, "claude", bun_binary(modules)))
    assert found.documents == {
        "SKILL.md (design-sync)": "---\nname: design-sync\n---\n# Design sync\nKeep the design in step.",
        "SKILL.md (Verify)": "# Verify\nRun the checks before saying done.",
        "notes.txt": "plain text",
    }


def test_a_damaged_zst_document_is_an_error(tmp_path):
    modules = [("chunk.js", b"var a=1", 1), ("doc-12345678.md.zst", b"\x28\xb5\x2f\xfd" + b"\xff" * 40, 5)]
    with pytest.raises(BundleNotFound, match=r"\.zst document is damaged"):
        bundle.from_binary(write(tmp_path, "claude", bun_binary(modules)))


def test_a_package_bomb_stops_at_the_unpacked_cap_with_one_line(tmp_path):
    """Hostile: a small tarball whose cli.js unpacks to far more (here 32 MB from ~32 KB)."""
    data = tgz({"package/package.json": b"{}", "package/cli.js": b"\0" * (32 << 20)})
    assert len(data) < 1 << 20
    root = tmp_path / "root"
    with pytest.raises(TooLarge) as exc:
        bundle.unpack(write(tmp_path, "p.tgz", data), root, Limits(unpacked=8 << 20), label="2.1.999")
    assert str(exc.value) == "2.1.999: the package unpacks to more than 8M (--max-unpacked or $AUDITOR_MAX_UNPACKED raise it)"
    assert not (root / "package" / "cli.js").exists()  # refused before it was written


def test_a_package_of_too_many_files_stops_at_the_member_cap(tmp_path):
    data = tgz({f"package/f{i}.js": b"x" for i in range(30)})
    with pytest.raises(TooLarge, match=r"^p\.tgz: the package holds more than 20 files \(--max-files or \$AUDITOR_MAX_FILES raise it\)$"):
        bundle.unpack(write(tmp_path, "p.tgz", data), tmp_path / "root", Limits(files=20))
    assert len(list((tmp_path / "root" / "package").iterdir())) == 20
    bundle.unpack(write(tmp_path, "p.tgz", data), tmp_path / "ok", Limits(files=30))  # at the cap is fine
