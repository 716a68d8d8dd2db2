"""Safe, bounded YAML loading shared by the catalog and the tenant config loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from controlplane.errors import InputError

MAX_YAML_BYTES = 4 * 1024 * 1024
"""Config and catalog files are small; a larger file is refused before parsing."""

_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]
"""The C safe loader: no Python object construction from tags, fast enough for 10k tenants."""


MAX_DEPTH = 64
"""Deeper nesting is refused before composing: libyaml's composer recurses in C and a few tens
of thousands of `[` crash the process (segmentation fault)."""


def _refuse_aliases(text: str) -> None:
    """Anchors/aliases enable 'billion laughs' expansion bombs and nobody needs them in an
    operator's fleet file. Scanning the C parser's events is much faster than a Python
    composer, and nothing is expanded before the refusal. The same scan bounds the nesting."""
    depth = 0
    for event in yaml.parse(text, Loader=_FastLoader):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) are not allowed", event.start_mark
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.constructor.ConstructorError(
                    None, None, f"nesting deeper than {MAX_DEPTH} levels is not allowed", event.start_mark
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


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
        if not trusted:
            _refuse_aliases(text)
        return yaml.load(text, Loader=_FastLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else ""
        reason = exc.problem or exc.context or "invalid YAML"
        raise InputError.single(display, where, f"invalid YAML: {reason}") from None
    except yaml.YAMLError as exc:  # e.g. a control character: the library's message spans lines
        raise InputError.single(display, "", f"invalid YAML: {' '.join(str(exc).split())}") from None


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Read and parse one YAML file, refusing huge files, aliases and custom tags."""
    shown = display or str(path)
    return parse_yaml(_read_text(path, shown), shown)
