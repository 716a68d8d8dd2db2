"""What the scratch PostgreSQL role may be: a restored dump runs its SQL as that role, so any
power the role holds is the dump's. Refused (unless `restore.allow_superuser: true`):

- the attributes SUPERUSER, CREATEROLE (before PostgreSQL 16 it may grant itself any predefined
  role), BYPASSRLS, REPLICATION;
- membership, direct or inherited (`pg_has_role(..., 'MEMBER')`, which also counts roles the
  session may only `SET ROLE` to), in a role holding one of those attributes or in a predefined
  role that reaches outside the scratch database: `pg_execute_server_program` (`COPY … TO
  PROGRAM`: a shell as the server's OS user), `pg_read_server_files`, `pg_write_server_files`,
  `pg_signal_backend` (ends other tenants' restores), `pg_monitor` and every `pg_read_all_*`
  (other tenants' sessions and queries), `pg_write_all_data`, `pg_checkpoint`,
  `pg_create_subscription`, `pg_use_reserved_connections`.

Both the session user and the current user are judged (a DSN's `options=-c role=…` changes the
latter, and a dump can `RESET ROLE`).
"""

from __future__ import annotations

from typing import Any

ATTRIBUTES = (
    ("rolsuper", "SUPERUSER"),
    ("rolcreaterole", "CREATEROLE"),
    ("rolbypassrls", "BYPASSRLS"),
    ("rolreplication", "REPLICATION"),
)
PREDEFINED = (
    "pg_execute_server_program",
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_signal_backend",
    "pg_monitor",
    "pg_write_all_data",
    "pg_checkpoint",
    "pg_create_subscription",
    "pg_use_reserved_connections",
)
_ROLES_SQL = r"""
SELECT u.rolname, r.rolname, r.rolsuper, r.rolcreaterole, r.rolbypassrls, r.rolreplication,
       r.rolname = ANY(%s) OR r.rolname LIKE 'pg\_read\_all\_%%'
FROM pg_roles u JOIN pg_roles r ON pg_has_role(u.oid, r.oid, 'MEMBER')
WHERE u.rolname IN (session_user, current_user)
ORDER BY u.rolname = session_user DESC, u.rolname, r.rolname = u.rolname DESC, r.rolname
"""


def role_problems(conn: Any) -> list[str]:
    """Why the connected role may not restore a dump, most telling first; [] when it may."""
    problems: list[str] = []
    for user, role, *flags in conn.execute(_ROLES_SQL, (list(PREDEFINED),)).fetchall():
        held = [name for (_, name), on in zip(ATTRIBUTES, flags[:4], strict=True) if on]
        via = "" if role == user else f" through its membership in {role}"
        if held == ["SUPERUSER"] or "SUPERUSER" in held:
            problems.append(f"{user} is a superuser{via}")
        elif held:
            problems.append(f"{user} has {', '.join(held)}{via}")
        elif flags[4]:
            problems.append(f"{user} is a member of {role}")
        if "SUPERUSER" in held and role == user:
            break  # a superuser is a member of everything: the rest says nothing more
    return list(dict.fromkeys(problems))
