#!/usr/bin/env bash
# The Python SQL clients the serving tests drive (psycopg 3, SQLAlchemy 2, asyncpg, ADBC with
# pyarrow) and the reference Prometheus text-format parser, in a virtualenv in the artifact cache;
# a second run with the same versions does nothing.
set -euo pipefail
cache="${LAMBDALAKE_CACHE:-${LAMBDALAKE_HOME:-$HOME/.lambdalake}/cache}"
venv="$cache/test-tools/python-sql-clients"
packages=("psycopg[binary]==3.2.10" "sqlalchemy==2.0.43" "asyncpg==0.30.0" "adbc-driver-postgresql==1.8.0" "pyarrow==21.0.0" "prometheus-client==0.23.1")
stamp="$venv/.installed-$(printf '%s ' "${packages[@]}" | sha256sum | cut -c1-12)"
if [ -e "$stamp" ]; then
  echo "python SQL clients: cached in $venv"
  exit 0
fi
started=$(date +%s)
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}"
touch "$stamp"
echo "python SQL clients: installed in $venv in $(( $(date +%s) - started ))s"
