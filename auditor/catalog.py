"""A model catalogue embedded in a native binary as JSON → the facts of a snapshot.

Codex's Rust binary carries the catalogue it falls back to (`{"models": [...]}`): per model the
system prompt, the other texts the model is told (collaboration modes, agent roles, policies) and the
fields that shape its requests (reasoning levels, verbosity, truncation, context window, tool mode).
Nothing is executed: the JSON is found by the target's anchor and decoded in place.

Each model becomes the existing fact kinds, keyed `slug: dotted.path` so one field of one model is one
fact from release to release: its system prompt a `prompt_section` (keyed by the slug), other texts
`string`, numbers `limit`, booleans `flag`, and every other value (short strings, lists) `setting`.
The binary is untrusted: what is read, how many models, how deep and how many facts are all bounded.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import kinds
from .errors import CatalogError
from .targets import Catalog

Facts = dict[str, dict[str, object]]

MAX_BYTES = 32 << 20  # read after the anchor: the real catalogue is 0.7 MB
MAX_TRIES = 16  # anchors tried before giving up: a binary may quote the anchor in other places
MAX_MODELS = 1_000
MAX_DEPTH = 8  # `model_messages.guardian_v2.classifier_instructions` is 3 deep
MAX_FACTS = 100_000
TEXT_MIN = 200  # a string at least this long, or of several lines, is a text the model is told
LEAF_LIST = 4_096  # a list whose JSON is at most this long is one value; a longer one is read item by item
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+-]{0,119}")


def from_directory(root: Path, binary_names: tuple[str, ...], spec: Catalog, label: str = "") -> tuple[str, Facts]:
    """(the binary's path in the package, its facts) for the first of `binary_names` present under `root`."""
    for name in binary_names:
        path = root / name
        if path.is_file() and not path.is_symlink():
            return name, facts(read_binary(path, spec, label or path.name), spec)
    raise CatalogError(f"{label or root.name} contains none of {', '.join(binary_names)}")


def read_binary(path: Path, spec: Catalog, label: str) -> list[dict[str, Any]]:
    with open(path, "rb") as f:
        if not path.stat().st_size:
            raise CatalogError(f"{label}: the binary is empty")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return find(data, spec, label)


def find(data: bytes | mmap.mmap, spec: Catalog, label: str = "binary") -> list[dict[str, Any]]:
    """The list of models of the first anchored JSON object that decodes and holds one; CatalogError
    saying why when none does."""
    problem = f"no embedded {{\"{spec.list_key}\": [...]}} in it"
    for tries, m in enumerate(re.finditer(spec.anchor, data)):
        if tries == MAX_TRIES:
            break
        try:
            doc = _decode(data, m.start())
        except RecursionError:
            problem = "it is nested too deeply"
            continue
        except json.JSONDecodeError as exc:
            problem = f"it is not JSON ({exc.msg} at byte {exc.pos})" + (f" or larger than {MAX_BYTES >> 20} MB" if exc.pos >= MAX_BYTES >> 1 else "")
            continue
        models = doc.get(spec.list_key) if isinstance(doc, dict) else None
        if not isinstance(models, list) or not models:
            problem = f"its {spec.list_key!r} is not a list of models"
            continue
        return models
    raise CatalogError(f"{label}: no model catalogue could be read ({problem})")


def _decode(data: bytes | mmap.mmap, start: int) -> Any:
    """The JSON value at `start`, decoded from a window that grows (1 MB, 4 MB, MAX_BYTES) while it cuts the
    value short: decoding the largest window first would cost more than the catalogue."""
    size = 1 << 20
    while True:
        window = bytes(data[start : start + size])
        try:
            return json.JSONDecoder().raw_decode(window.decode("utf-8", "replace"))[0]
        except json.JSONDecodeError:
            if size >= MAX_BYTES or len(window) < size:  # as far as it may go, or to the end of the file
                raise
            size = min(size * 4, MAX_BYTES)


def facts(models: list[Any], spec: Catalog) -> Facts:
    """The catalogue as snapshot facts (see the module's docstring)."""
    if len(models) > MAX_MODELS:
        raise CatalogError(f"the model catalogue lists {len(models)} models (at most {MAX_MODELS} are read)")
    out: Facts = {kind: {} for kind in kinds.STATIC}
    count = 0
    for model in models:
        slug = model.get(spec.id_key) if isinstance(model, dict) else None
        if not isinstance(slug, str) or not _ID.fullmatch(slug):
            raise CatalogError(f"a model of the catalogue has no usable {spec.id_key!r} ({str(slug)[:60]!r})")
        if slug in out["model"]:
            raise CatalogError(f"the model catalogue lists {slug} twice")
        name = model.get(spec.name_key)
        out["model"][slug] = name if isinstance(name, str) and len(name) < TEXT_MIN else ""
        for path, value in _leaves(model, ""):
            if path == spec.id_key:
                continue
            count += 1
            if count > MAX_FACTS:
                raise CatalogError(f"the model catalogue holds more than {MAX_FACTS} values")
            kind, key = _kind(path, value, spec), f"{slug}: {path}"
            if kind == "prompt_section":
                key = slug
            elif kind == "limit" or kind == "flag":
                value = json.dumps(value)
            out[kind][key] = value
    return out


def _kind(path: str, value: Any, spec: Catalog) -> str:
    if isinstance(value, str) and (len(value) >= TEXT_MIN or "\n" in value):
        return "prompt_section" if path == spec.prompt_path else "string"
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, int | float):
        return "limit"
    return "setting"


def _leaves(value: Any, path: str, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every value that is not an object, a long list or null (null and absent
    are one: a field that gains a value is added). Lists of `LEAF_LIST` characters or less are one value."""
    if depth > MAX_DEPTH:
        raise CatalogError(f"the model catalogue is nested more than {MAX_DEPTH} deep at {path}")
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list) and len(json.dumps(value)) > LEAF_LIST:
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]", depth + 1)
    elif value is not None:
        yield path, value


def variants(models: list[Any], spec: Catalog, matrix: str) -> list[tuple[str, dict[str, str]]]:
    """The runs of a matrix scenario (capture/scenarios.py), in catalogue order: (label, values) per model the
    catalogue offers users ("models": `MODEL`, {model}) or per model and reasoning effort it allows
    ("efforts": `MODEL/EFFORT`, {model, effort}). Ids that are not plain ids are left out."""
    out = []
    field, _, wanted = spec.offered.partition("=")
    list_key, _, effort_key = spec.efforts.partition(".")
    for model in models:
        slug = model.get(spec.id_key) if isinstance(model, dict) else None
        if not isinstance(slug, str) or not _ID.fullmatch(slug) or "/" in slug or (field and model.get(field) != wanted):
            continue
        if matrix == "models":
            out.append((slug, {"model": slug}))
            continue
        levels = model.get(list_key) if list_key else None
        for level in levels if isinstance(levels, list) else []:
            effort = level.get(effort_key) if isinstance(level, dict) else level
            if isinstance(effort, str) and _ID.fullmatch(effort) and "/" not in effort:
                out.append((f"{slug}/{effort}", {"model": slug, "effort": effort}))
    return out


# -- the catalogue a session got (audit proxy) ---------------------------------------------------------

SEEN = "catalogue"  # the role, and key prefix, of what `audit proxy` records of a catalogue refresh
SAME = "same as the release's embedded catalogue"


def answered(body: bytes, etag: str | None, spec: Catalog, embedded: Facts | None) -> dict[str, object]:
    """Which catalogue answered a session's refresh, as facts of kind `capture`: its ETag, a digest of its
    list of models and one of each model (by id), and whether it is the release's embedded one (`embedded`:
    the static facts the store holds of that release, None when it holds none). CatalogError when the
    answer is not a catalogue."""
    try:
        doc = json.loads(body)
    except ValueError:
        raise CatalogError("the answer is not JSON") from None
    models = doc.get(spec.list_key) if isinstance(doc, dict) else None
    if not isinstance(models, list):
        raise CatalogError(f"the answer holds no {spec.list_key!r} list")
    read = facts(models, spec)
    return {
        f"{SEEN}: etag": etag or "(none)",
        f"{SEEN}: digest": _digest(models),
        f"{SEEN}: models": {model[spec.id_key]: _digest(model) for model in models},
        f"{SEEN}: embedded": compare(read, embedded),
    }


def compare(remote: Facts, embedded: Facts | None) -> str:
    """Whether a catalogue's facts are the embedded catalogue's, and if not, which models differ."""
    if embedded is None:
        return "not known: the store holds no static facts of this release (audit collect VERSION)"
    ours = {kind: column for kind, column in json.loads(json.dumps(remote)).items() if column}
    theirs = {kind: column for kind, column in embedded.items() if column and kind in kinds.STATIC}
    changed = set()
    for kind in ours.keys() | theirs.keys():
        a, b = ours.get(kind, {}), theirs.get(kind, {})
        changed |= {key.split(": ")[0] for key in a.keys() | b.keys() if a.get(key) != b.get(key)}
    if not changed:
        return SAME
    added = sorted(remote["model"].keys() - theirs.get("model", {}).keys())
    removed = sorted(theirs.get("model", {}).keys() - remote["model"].keys())
    edited = sorted(changed - set(added) - set(removed))
    parts = [f"{what} {', '.join(slugs)}" for what, slugs in (("adds", added), ("drops", removed), ("changes", edited)) if slugs]
    return f"differs from the release's embedded catalogue: {'; '.join(parts)}"


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
