"""Counts the transactions SQLite refused: `python sqlite-race.py <db file> <n>` runs n transactions that
read a counter and then write it (as nova's and cinder's do) through an oslo.db engine, and prints how
many failed with "database is locked". Two of these at once share the file as the services do."""
import sys

import sqlalchemy
from oslo_db.sqlalchemy import engines

engine = engines.create_engine("sqlite:///" + sys.argv[1] + "?timeout=60")
failed = 0
for _ in range(int(sys.argv[2])):
    try:
        with engine.begin() as c:
            n = c.execute(sqlalchemy.text("select n from counter")).scalar()
            c.execute(sqlalchemy.text("update counter set n = :n"), {"n": n + 1})
    except sqlalchemy.exc.OperationalError:
        failed += 1
print(failed)
