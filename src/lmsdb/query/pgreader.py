"""Who may run a read-only query on PostgreSQL: a role that cannot get out of it.

A READ ONLY transaction stops writes to tables, not a superuser's ``COPY ... TO PROGRAM``,
the server-file functions, replication slots or ``pg_terminate_backend``; nor does it stop
a session from taking another role's rights with ``SET ROLE`` (or ``set_config('role',
...)``). :func:`check_reader` therefore refuses the query when the connection's role, or any
role it can become, could act outside the transaction, and says how to set up a reader role.
"""

from __future__ import annotations

from typing import Any

from lmsdb.query.result import QueryError

# Predefined roles whose members can act outside the database from a read-only transaction.
_SERVER_ROLES = ("pg_execute_server_program", "pg_read_server_files", "pg_write_server_files",
                 "pg_signal_backend")
# Functions that reach other sessions; PostgreSQL grants them to PUBLIC (they check the
# caller's role themselves: a role can end or cancel its own other sessions).
SESSION_FUNCTIONS = ("pg_terminate_backend(integer, bigint)", "pg_cancel_backend(integer)",
                     "pg_notify(text, text)")
_CHECK_READER = f"""
SELECT r.rolname, r.rolsuper, r.rolreplication,
       r.rolname IN ({", ".join(f"'{n}'" for n in _SERVER_ROLES)}),
       array_remove(ARRAY[{", ".join(
           f"CASE WHEN has_function_privilege(r.oid, 'pg_catalog.{f}', 'EXECUTE') "
           f"THEN '{f.split('(')[0]}' END" for f in SESSION_FUNCTIONS)}], NULL)
FROM pg_catalog.pg_roles r
WHERE pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')
ORDER BY r.rolname = session_user DESC, r.rolname
"""
READER_DOCS = ("connect as a reader role for read-only queries (docs/postgresql.md sets one "
               "up: a role with SELECT on lmsdb's schema and nothing more)")


def check_reader(con: Any) -> None:
    """Refuse a read-only query when the connection's role, or any role it can become with
    ``SET ROLE`` (or ``set_config('role', ...)``), could act outside the read-only
    transaction: a superuser or replication role, a member of the server-file, program or
    signal roles, or a role that may call the functions that reach other sessions."""
    import psycopg

    try:
        with con.cursor() as cur:
            rows = cur.execute(_CHECK_READER).fetchall()
            user = cur.execute("SELECT session_user").fetchone()[0]
        con.rollback()
    except psycopg.Error as e:
        raise QueryError(f"cannot tell what this role may do: {str(e).strip()}") from None
    why: list[tuple[int, str]] = []  # (rank, reason): the gravest is reported
    for name, superuser, replication, server_role, functions in rows:
        via = "" if name == user else f" (through role {name!r}, which it can become)"
        if superuser:
            why.append((0, f"it is a superuser{via}: it could run programs, read and write "
                           "the server's files and end other sessions"))
        if replication:
            why.append((1, f"it has REPLICATION{via}: it could create replication slots"))
        if server_role:
            why.append((2, f"it is a member of {name}: it could act outside the database"))
        if functions and not superuser:
            why.append((3, f"it may call {', '.join(functions)}{via}, which reach other "
                           "sessions"))
    if why:
        raise QueryError(f"refused: a read-only query does not run as PostgreSQL role "
                         f"{user!r}: {min(why)[1]}\n  {READER_DOCS}")
