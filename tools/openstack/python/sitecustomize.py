"""Imported at start by every Python process of the test OpenStack control plane (run.sh puts this
directory on PYTHONPATH): SQLite transactions begin IMMEDIATE.

The services share SQLite files. oslo.db begins each transaction with a plain (deferred) ``BEGIN``, so
a transaction that has read and then writes must upgrade its lock; when another process committed in
between, SQLite answers "database is locked" at once, without waiting for the busy timeout (a
deadlock it cannot wait out). ``BEGIN IMMEDIATE`` takes the write lock up front, so a second writer
waits for its turn (timeout=60 in the connection URL) instead of failing a request. Nothing is
imported here until the service imports SQLAlchemy itself: nova and cinder patch threading with
eventlet first, and SQLAlchemy's module-level locks must be created after that.
"""
import importlib.abc
import importlib.util
import sys


def _begin_immediate(conn, cursor, statement, parameters, context, executemany):
    if statement == "BEGIN" and conn.dialect.name == "sqlite":
        statement = "BEGIN IMMEDIATE"
    return statement, parameters


class _AfterSqlalchemy(importlib.abc.MetaPathFinder):
    """Registers the listener on every Engine once the service has imported the sqlalchemy package."""

    def find_spec(self, name, path, target=None):
        if name != "sqlalchemy":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            from sqlalchemy import event
            from sqlalchemy.engine import Engine

            event.listen(Engine, "before_cursor_execute", _begin_immediate, retval=True)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _AfterSqlalchemy())
