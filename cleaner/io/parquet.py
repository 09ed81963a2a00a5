"""The output contract as an Arrow table. ``metadata`` is JSON text: its fields differ per record."""

from __future__ import annotations

import json


def _schema():
    import pyarrow as pa

    return pa.schema([
        ("id", pa.string()),
        ("title", pa.string()),
        ("body", pa.string()),
        ("related", pa.list_(pa.struct([("text", pa.string())]))),
        ("duplicate_of", pa.string()),
        ("metadata", pa.string()),
    ])


def result_table(rows: list[dict]):
    import pyarrow as pa

    columns = {name: [r[name] for r in rows] for name in ("id", "title", "body", "related", "duplicate_of")}
    columns["metadata"] = [json.dumps(r["metadata"], ensure_ascii=False, sort_keys=True) for r in rows]
    return pa.Table.from_pydict(columns, schema=_schema())


def empty_table():
    return _schema().empty_table()
