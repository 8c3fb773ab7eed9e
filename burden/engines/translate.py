"""queries/rollups/*.sql, written in DuckDB's dialect, as another engine's SQL: parsed and written by sqlglot.

Two DuckDB forms have no counterpart elsewhere and are rewritten in the tree first:
- COLUMNS(<star>) inside an expression, e.g. `cast(sum(columns(t.* exclude (a, b))) as bigint)`: one expression per
  column of the star, each named by its column, as DuckDB names them. The names are DuckDB's own: it binds the
  same star over empty tables of the same schema (queries/schema, then each derived table as it is translated).
- extract(epoch from ts): Spark has no EPOCH field; unix_micros(ts) / 1000000.0 is the same double.
- A number with a fraction (7.0) is a DOUBLE in Spark's SQL too: Spark reads it as a DECIMAL, and divides by it in
  DECIMAL with six digits after the point where DuckDB divides in DOUBLE.
$name parameters stay parameters (Spark's :name markers, which spark.sql binds from its args).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import sqlglot
from sqlglot import exp

from burden import db, rollups
from burden.ingest.storage import create_schema


def schema_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the base tables of queries/schema, empty."""
    con = db.open_duckdb()
    create_schema(con)
    return con


def _bound(con: duckdb.DuckDBPyConnection, sql: str, params: dict):
    return con.execute(sql, db.params_for(sql, params))


def _star_columns(con: duckdb.DuckDBPyConnection, root: exp.Expression, select: exp.Select, star, params) -> list:
    """The column names DuckDB gives `star` (a Star, or a Column of table.*) over the select's FROM and joins."""
    probe = exp.Select(expressions=[star.copy()]).from_(select.args["from_"].this.copy())
    for join in select.args.get("joins") or []:
        probe = probe.join(join.copy())
    if root.args.get("with_"):
        probe.set("with_", root.args["with_"].copy())
    sql = probe.limit(0).sql(dialect="duckdb")
    return [column[0] for column in _bound(con, sql, params).description]


def _expand_columns(con: duckdb.DuckDBPyConnection, tree: exp.Expression, params: dict) -> None:
    """Rewrite every COLUMNS(<star>) in the tree into one projection per column (see the module's docstring)."""
    while node := tree.find(exp.Columns):
        projection = node
        while not isinstance(projection.parent, exp.Select) or projection.arg_key != "expressions":
            projection = projection.parent
        select: exp.Select = projection.parent
        star = node.this
        table = star.table if isinstance(star, exp.Column) else None
        names = _star_columns(con, tree, select, star, params)
        spread = []
        for name in names:
            one = projection.copy()
            one.find(exp.Columns).replace(exp.column(name, table=table, quoted=True))
            spread.append(exp.alias_(one, name, quoted=True))
        index = select.expressions.index(projection)
        select.set("expressions", select.expressions[:index] + spread + select.expressions[index + 1 :])


def _spark_forms(tree: exp.Expression) -> exp.Expression:
    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Extract) and node.this.name.lower() == "epoch":
            micros = exp.Anonymous(this="unix_micros", expressions=[node.expression.copy()])
            return exp.Div(this=micros, expression=exp.cast(exp.Literal.number(1_000_000), "double"))
        if isinstance(node, exp.Literal) and not node.is_string and not node.is_int:
            return exp.cast(node.copy(), "double")  # 7.0 is a DECIMAL in Spark, and a division by it one too
        return node

    return tree.transform(rewrite)


def rollup_tree(con: duckdb.DuckDBPyConnection, table: str, params: dict) -> exp.Expression:
    """The rollup's SELECT as a sqlglot tree with every COLUMNS(...) expanded; `con` holds the tables it reads."""
    tree = sqlglot.parse_one(db.strip_comments(db.sql_text(f"rollups/{table}")), read="duckdb")
    _expand_columns(con, tree, params)
    return tree


def translate(
    params: dict,
    dialect: str = "spark",
    tables: Iterable[str] = rollups.TABLES,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, str]:
    """Every rollup's SELECT in `dialect`, in dependency order. params: the values of the rollups' parameters (for
    binding the stars; the SQL keeps its parameters). The DuckDB dialect gives the expanded SQL DuckDB runs as is.
    con: the schema connection to use (schema_connection()); it then holds each derived table, empty, with the
    column types DuckDB gives it."""
    con = con or schema_connection()
    out = {}
    for table in tables:
        tree = rollup_tree(con, table, params)
        duck = tree.sql(dialect="duckdb")
        _bound(con, f"create table {table} as select * from ({duck}) limit 0", params)
        out[table] = duck if dialect == "duckdb" else _spark_forms(tree).sql(dialect=dialect)
    return out
