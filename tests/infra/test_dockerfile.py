"""infra/Dockerfile, linted statically: there is no Docker engine here to build it, so these
tests check what a build would rely on (pinned base, multi-stage venv, non-root user, hdsctl
entrypoint, sources that exist, the uid the Kubernetes manifests expect)."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass

import pytest

from tests.infra.manifests import BASE, REPO, load_docs, pod_specs

DOCKERFILE = REPO / "infra" / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    stage: int


def parse(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped; stage = FROM count - 1."""
    out: list[Instruction] = []
    stage = -1
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        out.append(Instruction(keyword, args.strip(), stage))
    assert not pending, "dangling line continuation"
    return out


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max(i.stage for i in instructions)
    return [i for i in instructions if i.stage == last]


def test_it_is_multi_stage_with_a_named_builder(instructions):
    froms = [i.args for i in instructions if i.keyword == "FROM"]
    assert len(froms) >= 2
    assert froms[0].endswith(" AS builder")


def test_every_base_image_is_pinned_to_an_exact_python_311_slim_tag_or_digest(instructions):
    for i in instructions:
        if i.keyword != "FROM":
            continue
        image = i.args.split()[0]
        assert "latest" not in image
        assert "@sha256:" in image or re.fullmatch(r"python:3\.11\.\d+-slim(-[a-z]+)?", image), image
    assert len({i.args.split()[0] for i in instructions if i.keyword == "FROM"}) == 1, "stages must share the base"


def test_the_builder_installs_the_package_into_a_venv_that_the_runtime_stage_copies(instructions):
    builder = [i for i in instructions if i.stage == 0]
    run = " ".join(i.args for i in builder if i.keyword == "RUN")
    assert "python -m venv /opt/hds" in run
    # The image installs the locked versions, like CI: a new upstream release cannot slip in.
    match = re.search(r'/opt/hds/bin/pip install -c constraints\.txt "\.\[([a-z,]+)\]"', run)
    assert match, run
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(match.group(1).split(",")) <= set(extras)
    copies = [i.args for i in final_stage(instructions) if i.keyword == "COPY"]
    assert "--from=builder /opt/hds /opt/hds" in copies
    assert not any("--from" not in c for c in copies), "the runtime stage copies nothing from the context"


def test_the_builder_copies_every_source_directory_the_package_is_built_from(instructions):
    copied = set()
    for i in instructions:
        if i.stage == 0 and i.keyword == "COPY":
            *sources, _dest = shlex.split(i.args)
            copied |= {s.rstrip("/") for s in sources}
    for source in copied:
        assert (REPO / source).exists(), source
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    package_dirs = {d.split("/")[0] for d in project["tool"]["setuptools"]["package-dir"].values()}
    assert package_dirs | {"pyproject.toml", project["project"]["readme"]} <= copied


def test_the_runtime_runs_as_a_numeric_non_root_user(instructions):
    users = [i.args for i in final_stage(instructions) if i.keyword == "USER"]
    assert users, "no USER in the final stage"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0 and gid.isdigit() and int(gid) > 0
    last_user = max(n for n, i in enumerate(instructions) if i.keyword == "USER")
    assert not any(i.keyword == "RUN" for i in instructions[last_user:]), "RUN after USER would run as that user"


def test_the_entrypoint_is_hdsctl_in_exec_form(instructions):
    (entrypoint,) = [i.args for i in final_stage(instructions) if i.keyword == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["hdsctl"]
    assert any(i.keyword == "ENV" and "/opt/hds/bin" in i.args for i in final_stage(instructions))


def test_no_secret_is_baked_into_the_image(instructions):
    for i in instructions:
        if i.keyword in ("ENV", "ARG"):
            assert not re.search(r"(PASSWORD|TOKEN|SECRET|SIGNING_KEY)\s*=", i.args, re.I), i.args


def test_the_kubernetes_pods_run_as_the_image_user(instructions):
    uid, _, gid = [i.args for i in final_stage(instructions) if i.keyword == "USER"][-1].partition(":")
    ((_cronjob, pod),) = pod_specs(load_docs(BASE / "cronjob.yaml"))
    ctx = pod["securityContext"]
    assert (ctx["runAsUser"], ctx["runAsGroup"], ctx["fsGroup"]) == (int(uid), int(gid), int(gid))


def test_the_build_context_ignore_file_keeps_what_the_builder_copies():
    ignore = (REPO / "infra" / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    assert ignore[ignore.index("**") + 1 :][:1], "an allow-list must follow '**'"
    for needed in ("pyproject.toml", "README.md", "controlplane/", "controls/", "features/", "plugins/"):
        assert f"!{needed}" in ignore, needed


def test_the_parser_sees_continuations_and_stages():
    text = "FROM a:1 AS builder\n# c\nRUN x \\\n  && y\nFROM a:1\nUSER 1:1\n"
    parsed = parse(text)
    assert [(i.keyword, i.stage) for i in parsed] == [("FROM", 0), ("RUN", 0), ("FROM", 1), ("USER", 1)]
    assert parsed[1].args == "x  && y"
