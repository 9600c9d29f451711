"""What analysts' Python clients do against the serving PostgreSQL, printed as one JSON object.

Usage: python sqlClients.py <host> <port> <user> <password> <database> <schema> <view>
Each client counts the rows of product 'lamp' with a bound parameter (text and binary), reads
decimals exactly, and does its client-specific thing (named cursor, COPY, inspect, Arrow).
"""
import asyncio
import datetime
import json
import sys

host, port, user, password, database, schema, view = sys.argv[1:8]
qualified = f'"{schema}"."{view}"'
dsn = f"host={host} port={port} user={user} password={password} dbname={database} sslmode=disable"
uri = f"postgresql://{user}:{password}@{host}:{port}/{database}?sslmode=disable"
out = {}


def psycopg_probe():
    import psycopg

    with psycopg.connect(dsn) as conn:
        result = {}
        with conn.cursor(binary=True) as cur:
            cur.execute(f"SELECT count(*) FROM {qualified} WHERE product = %s", ["lamp"])
            result["binaryCount"] = cur.fetchone()[0]
            cur.execute(
                f"SELECT count(*) FROM {qualified} WHERE CAST(hour AS date) = %s",
                [datetime.date(2026, 11, 24)],
            )
            result["dateCount"] = cur.fetchone()[0]
            cur.execute(
                f"SELECT count(*) FROM {qualified} WHERE hour >= %s",
                [datetime.datetime(2026, 11, 24, 11, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))],
            )
            result["tzCount"] = cur.fetchone()[0]
            cur.execute(f"SELECT max(revenue) FROM {qualified}")
            result["maxRevenue"] = str(cur.fetchone()[0])
        with conn.cursor(name="dashboard") as named:
            named.execute(f"SELECT product FROM {qualified} ORDER BY product")
            result["namedCursor"] = [r[0] for r in named.fetchall()]
        with conn.cursor() as cur:
            lines = []
            with cur.copy(f"COPY (SELECT product, revenue FROM {qualified} ORDER BY 1, 2) TO STDOUT") as copy:
                for row in copy.rows():
                    lines.append(list(row))
            result["copy"] = lines
            # Grafana's PostgreSQL data source lists tables with this query when a panel is edited.
            cur.execute(
                "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables"
                " WHERE table_schema NOT IN ('information_schema', 'pg_catalog') ORDER BY 1"
            )
            result["grafanaTables"] = [r[0] for r in cur.fetchall()]
        return result


def sqlalchemy_probe():
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(f"postgresql+psycopg://{user}:{password}@{host}:{port}/{database}")
    with engine.connect() as conn:
        count = conn.execute(
            text(f"SELECT count(*) FROM {qualified} WHERE product = :p"), {"p": "lamp"}
        ).scalar_one()
    inspector = inspect(engine)
    result = {
        "count": count,
        "views": sorted(inspector.get_view_names(schema=schema)),
        "columns": [
            {"name": c["name"], "type": str(c["type"])} for c in inspector.get_columns(view, schema=schema)
        ],
    }
    engine.dispose()
    return result


async def asyncpg_probe():
    import asyncpg

    conn = await asyncpg.connect(host=host, port=int(port), user=user, password=password, database=database, ssl=False)
    try:
        # asyncpg sends parameters in binary: a text parameter must still compare as text.
        count = await conn.fetchval(f"SELECT count(*) FROM {qualified} WHERE product = $1", "lamp")
        revenue = await conn.fetchval(f"SELECT max(revenue) FROM {qualified}")
        hours = await conn.fetchval(
            f"SELECT count(*) FROM {qualified} WHERE hour < $1", datetime.datetime(2026, 11, 24, 10, 0)
        )
        return {"count": count, "maxRevenue": str(revenue), "before10": hours}
    finally:
        await conn.close()


def adbc_probe():
    import adbc_driver_postgresql.dbapi

    with adbc_driver_postgresql.dbapi.connect(uri) as conn:
        with conn.cursor() as cur:
            cur.execute(f"SELECT hour, product, revenue, orders FROM {qualified} ORDER BY hour, product")
            table = cur.fetch_arrow_table()
            return {
                "rows": table.num_rows,
                "types": {f.name: str(f.type) for f in table.schema},
                "products": table.column("product").to_pylist(),
                # ADBC carries numeric as an opaque extension over its exact text: no rounding.
                "revenue": [str(v) for v in table.column("revenue").to_pylist()],
            }


for name, probe in [
    ("psycopg", psycopg_probe),
    ("sqlalchemy", sqlalchemy_probe),
    ("asyncpg", lambda: asyncio.run(asyncpg_probe())),
    ("adbc", adbc_probe),
]:
    try:
        out[name] = probe()
    except Exception as error:  # each client's failure is reported, not fatal to the others
        out[name] = {"error": f"{type(error).__name__}: {error}"}

print(json.dumps(out, default=str))
