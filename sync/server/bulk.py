"""One statement run for many rows by the database driver's ``executemany``.

SQLAlchemy's own executemany builds and converts each row's parameters in Python, one
row at a time: a third of what writing a push batch cost, and most of what writing its
report facts cost (forty-odd columns a row). Here the statement is compiled once per
database and set of columns, and a value is converted only where its column's type needs
it (SQLite has no boolean, date or timestamp type), with the conversion SQLAlchemy itself
would use, so rows read back exactly as before. Parameters are built column by column,
and a value repeated down a column (the batch's one timestamp) is converted once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, LargeBinary, Table
from sqlalchemy.engine import Dialect

Converter = Callable[[Any], Any] | None
#: The statement to run, given the database's dialect (an upsert is spelled per dialect).
StatementFor = Callable[[Dialect], Any]


class DriverMany:
    def __init__(self, statement: Any, table: Table) -> None:
        self.table = table
        self._statement_for: StatementFor = lambda _dialect: statement
        self._compiled: dict[tuple[str, tuple[str, ...]], tuple[Any, list[Converter]]] = {}

    @classmethod
    def per_dialect(cls, statement_for: StatementFor, table: Table) -> DriverMany:
        """A statement spelled differently per database (an upsert)."""
        many = cls(None, table)
        many._statement_for = statement_for
        return many

    def execute(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Run the statement once per row; every row has the keys of the first."""
        if not rows:
            return
        keys = tuple(rows[0])
        compiled, converters = self._prepare(conn, keys)
        names = compiled.positiontup
        columns = {
            key: _column([row[key] for row in rows], convert)
            for key, convert in zip(keys, converters, strict=True)
        }
        if names is None:  # named parameters (psycopg): one dict a row
            params: list[Any] = [
                dict(zip(keys, values, strict=True))
                for values in zip(*(columns[k] for k in keys), strict=True)
            ]
        else:  # positional parameters (sqlite3): tuples in the statement's order
            params = list(zip(*(columns[name] for name in names), strict=True))
        conn.exec_driver_sql(compiled.string, params)

    def _prepare(self, conn: Connection, keys: tuple[str, ...]) -> tuple[Any, list[Converter]]:
        dialect = conn.dialect
        found = self._compiled.get((dialect.name, keys))
        if found is None:
            statement = self._statement_for(dialect)
            compiled = statement.compile(dialect=dialect, column_keys=list(keys))
            found = self._compiled[(dialect.name, keys)] = (
                compiled,
                [_converter(self.table, key, dialect) for key in keys],
            )
        return found


def _converter(table: Table, key: str, dialect: Dialect) -> Converter:
    column = table.columns.get(key)
    if column is None:
        return None  # a bound parameter of the statement's own (a WHERE's key)
    if dialect.name == "sqlite" and isinstance(column.type, LargeBinary):
        # SQLAlchemy wraps bytes in sqlite3.Binary (a memoryview) for SQLite, which takes
        # bytes as they are and stores the same BLOB.
        return None
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _column(values: list[Any], convert: Converter) -> list[Any]:
    if convert is None:
        return values
    out = []
    last_in: Any = object()
    last_out: Any = None
    for value in values:
        if value is not last_in:
            last_in, last_out = value, convert(value)
        out.append(last_out)
    return out
