"""`hdsctl reversibility test` on a real PostgreSQL: pg_dump plain SQL and a CSV per table in one
snapshot, row counts compared, the role never privileged, another tenant's database never read."""

from __future__ import annotations

import csv
import hashlib
import json
from typing import Any

from tests.reversibility.conftest import Env, dump, env_var


def with_database(env: Env, pg: Any, user: str = "lecture_clinique", **export: Any) -> None:
    target = {"name": "base-dossiers", "dsn": {"env": env_var(pg.dsn("dossiers", user=user))}}
    if export:
        target["export"] = export
    env.tenants[0]["targets"]["postgresql"] = [target]
    env.write_fleet()


def test_databases_return_as_sql_and_csv_with_matching_row_counts(env: Env, pg: Any) -> None:
    with_database(env, pg)
    dest = env.root / "export"
    out = env.reversibility("test", "--tenant", "clinique", "--full", "--dest", str(dest), "--format", "json")
    assert out.exit_code == 0, dump(out)
    lines = [json.loads(x) for x in (dest / "inventory.jsonl").read_text().splitlines()]
    tables = {x["location"]: x for x in lines if x["kind"] == "table"}
    assert set(tables) == {
        "dossiers.public.patients",
        "dossiers.soins.sejours",
        "dossiers.public.Table étrange/../x",
        "dossiers.public.vide",
    }
    assert tables["dossiers.public.patients"]["rows"] == tables["dossiers.public.patients"]["live_rows"] == 500
    assert tables["dossiers.soins.sejours"]["rows"] == 800
    strange = tables["dossiers.public.Table étrange/../x"]
    assert strange["path"].startswith("postgresql/base-dossiers/dossiers/_tables/")  # never outside the export
    with (dest / tables["dossiers.public.patients"]["path"]).open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "nom", "notes", "photo"] and len(rows) == 501
    assert rows[1][2] == 'ligne\navec "guillemets", virgule 1'
    [sql_dump] = [x for x in lines if x["kind"] == "dump"]
    text = (dest / sql_dump["path"]).read_text()
    assert "CREATE TABLE public.patients" in text and "COPY public.patients" in text
    assert hashlib.sha256((dest / sql_dump["path"]).read_bytes()).hexdigest() == sql_dump["sha256"]
    assert "labo" not in text and "analyses" not in text


def test_a_table_the_role_cannot_read_fails_and_is_named(env: Env, pg: Any) -> None:
    pg.psql("CREATE TABLE soins.secret (v text); INSERT INTO soins.secret VALUES ('x');", "dossiers")
    try:
        with_database(env, pg)
        out = env.reversibility("test", "--tenant", "clinique", "--full")
        assert out.exit_code == 1, dump(out)
        assert "unreadable dossiers.soins.secret" in out.output
        assert "permission denied" in out.output
    finally:
        pg.psql("DROP TABLE soins.secret;", "dossiers")


def test_a_superuser_is_refused_and_its_dsn_never_shown(env: Env, pg: Any) -> None:
    with_database(env, pg, user="postgres")
    out = env.reversibility("test", "--tenant", "clinique", "--format", "json")
    assert out.exit_code == 1, dump(out)
    report = json.loads(out.output)
    [problem] = [t for t in report["targets"] if t["kind"] == "postgresql"]
    assert "refused" in problem["error"] and "SUPERUSER" in problem["error"]
    assert "postgres@" not in out.output and pg.dsn("dossiers", user="postgres") not in out.output


def test_another_tenants_database_is_never_exported(env: Env, pg: Any) -> None:
    with_database(env, pg, databases=["dossiers", "labo_db"])
    dest = env.root / "export"
    out = env.reversibility("test", "--tenant", "clinique", "--full", "--dest", str(dest))
    assert out.exit_code == 1, dump(out)  # declared by mistake: the role may not connect, named
    assert "unreadable labo_db" in out.output
    assert not list(dest.rglob("labo_db*"))
    assert "analyses" not in (dest / "inventory.jsonl").read_text()


def test_a_sample_dumps_the_schema_and_some_tables(env: Env, pg: Any) -> None:
    with_database(env, pg)
    out = env.reversibility("test", "--tenant", "clinique", "--sample", "1", "--format", "json")
    assert out.exit_code == 0, dump(out)
    report = json.loads(out.output)
    [target] = [t for t in report["targets"] if t["kind"] == "postgresql"]
    assert target["live_items"] == 4 and target["exported_items"] == 2  # the schema dump and one table
