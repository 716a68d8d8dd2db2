"""Safe, bounded YAML loading shared by the catalog and the tenant config loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import yaml

from controlplane.errors import InputError

MAX_YAML_BYTES = 32 * 1024 * 1024
"""A 10,000-tenant fleet file in block style is ~5 MB; anything past this is refused before parsing."""

_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]
"""The C safe loader: no Python object construction from tags, fast enough for 10k tenants."""


MAX_DEPTH = 64
"""Deeper nesting is refused before composing: libyaml's composer recurses in C and a few tens
of thousands of `[` crash the process (segmentation fault)."""

_DEPTH_REFUSAL = f"nesting deeper than {MAX_DEPTH} levels is not allowed"
_LIBYAML_DEPTH_PROBLEM = "exceeded maximum nesting depth"
"""Newer libyaml's scanner refuses very deep flow nesting before we see its events: the operator
gets the same reason either way, whatever PyYAML the host has."""


_COLLECTION_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "timestamp", "binary")
)
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _refuse(reason: str, event: Any) -> NoReturn:
    raise yaml.constructor.ConstructorError(None, None, reason, event.start_mark)


class _EventBuilder:
    """Build plain Python data straight from the C parser's events, refusing what an operator's
    fleet file never needs (aliases, deep nesting, custom tags, merge keys; an anchor alone is harmless) as it goes.

    Why not `yaml.load`: it composes the whole node graph first (a Python object with two marks
    per scalar): for a 10,000-tenant fleet file of 3.8 MB that is 6.6 s and 220 MB of memory the
    process never gives back. Building from events holds only the data (and interns the
    repeated short strings: provider names, endpoints, secret names), in a tenth of the time.
    Plain scalars are resolved exactly as the safe loader does (int, float, bool, null, dates)."""

    def __init__(self, text: str) -> None:
        self.loader = _FastLoader(text)
        self.strings: dict[str, str] = {}

    def scalar(self, event: Any) -> Any:
        value: str = event.value
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(yaml.ScalarNode, value, event.implicit)
        if tag == _MERGE_TAG:
            _refuse("merge keys (<<) are not allowed", event)
        if tag == _STR_TAG:
            return self.strings.setdefault(value, value) if len(value) <= 64 else value
        if tag not in _SCALAR_TAGS:
            _refuse(f"the tag {tag} is not allowed", event)
        node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
        return self.loader.yaml_constructors[tag](self.loader, node)

    def build(self, many: bool = False) -> Any:
        """The single document's data (None for an empty stream); with `many`, the list of
        every document's data."""
        get = self.loader.get_event
        stack: list[list[Any] | dict[Any, Any]] = []
        keys: list[Any] = []  # per open mapping: the pending key, or _NO_KEY
        root: Any = None
        documents = 0
        found: list[Any] = []
        while True:
            event = get()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                item = self.scalar(event)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.tag not in _COLLECTION_TAGS:
                    _refuse(f"the tag {event.tag} is not allowed", event)
                if len(stack) >= MAX_DEPTH:
                    _refuse(_DEPTH_REFUSAL, event)
                container: list[Any] | dict[Any, Any] = {} if kind is yaml.MappingStartEvent else []
                stack.append(container)
                keys.append(_NO_KEY)
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                keys.pop()
                item = stack.pop()
            elif kind is yaml.AliasEvent:
                _refuse("YAML aliases (*name) are not allowed", event)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1 and not many:
                    _refuse("expected a single document in the stream, found another one", event)
                continue
            elif kind is yaml.DocumentEndEvent and many:
                found.append(root)
                root = None
                continue
            elif kind is yaml.StreamEndEvent:
                return found if many else root
            else:  # stream start, document end
                continue
            if not stack:
                root = item
                continue
            parent = stack[-1]
            if type(parent) is list:
                parent.append(item)
            elif keys[-1] is _NO_KEY:
                if isinstance(item, (dict, list)):
                    _refuse("a mapping or a sequence cannot be a mapping key", event)
                keys[-1] = item
            else:
                parent[keys[-1]] = item
                keys[-1] = _NO_KEY


_NO_KEY = object()


def _read_text(path: Path, display: str) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError.single(display, "", "file not found") from None
    except OSError as exc:
        raise InputError.single(display, "", f"cannot read file: {exc.strerror}") from None
    if size > MAX_YAML_BYTES:
        raise InputError.single(display, "", f"file is {size} bytes, larger than the {MAX_YAML_BYTES} bytes allowed")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError.single(display, "", "file is not valid UTF-8") from None
    except OSError as exc:
        raise InputError.single(display, "", f"cannot read file: {exc.strerror}") from None


def parse_yaml(text: str, display: str, trusted: bool = False) -> Any:
    """Parse YAML text with a safe loader; errors name the file and the line. Untrusted input
    (anything an operator writes) also has aliases refused."""
    try:
        if trusted:
            return yaml.load(text, Loader=_FastLoader)
        return _EventBuilder(text).build()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else ""
        reason = exc.problem or exc.context or "invalid YAML"
        if reason == _LIBYAML_DEPTH_PROBLEM:  # libyaml >= 0.2.6 (PyYAML 6.0.4) stops ~1,000 levels down itself
            reason = _DEPTH_REFUSAL
        raise InputError.single(display, where, f"invalid YAML: {reason}") from None
    except yaml.YAMLError as exc:  # e.g. a control character: the library's message spans lines
        raise InputError.single(display, "", f"invalid YAML: {' '.join(str(exc).split())}") from None


def safe_documents(text: str) -> list[Any]:
    """Every document of a YAML stream, refusing aliases, deep nesting and custom tags as
    `parse_yaml` does; raises `yaml.YAMLError` (with its mark) for the caller to word."""
    return _EventBuilder(text).build(many=True)  # type: ignore[no-any-return]


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Read and parse one YAML file, refusing huge files, aliases and custom tags."""
    shown = display or str(path)
    return parse_yaml(_read_text(path, shown), shown)
