#!/usr/bin/env bash
# Regenerates src/catalog/*.txt, the names PostgreSQL and its extensions provide, which the
# YAML checks use to tell an unqualified call of a function (or cast to a type) that exists
# nowhere from one PostgreSQL or an extension provides.
#
#   bash scripts/pg.sh start && bash scripts/catalog_names.sh
#
# Reads the test set-up's server (scripts/pg.sh env): the names of its pg_catalog, and those
# each extension it can install creates; and the install scripts of Debian's packages of a
# few extensions it does not install (downloaded with apt-get download, not installed).
# The names PostgreSQL versions other than the server's add or drop are kept by hand in
# src/catalog/by_hand.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
eval "$(bash "$ROOT/scripts/pg.sh" env)"
OUT=$ROOT/src/catalog
DB=schemagen_catalog_names
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

q postgres "DROP DATABASE IF EXISTS $DB" >/dev/null
q postgres "CREATE DATABASE $DB TEMPLATE template0" >/dev/null
trap 'q postgres "DROP DATABASE IF EXISTS $DB" >/dev/null' EXIT
version=$(q "$DB" "SHOW server_version_num")

{
  echo "# The functions of pg_catalog in PostgreSQL $version (scripts/catalog_names.sh)."
  echo "[pg_catalog]"
  q "$DB" "SELECT DISTINCT proname FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace ORDER BY 1"
} > "$OUT/functions.txt"
{
  echo "# The types of pg_catalog in PostgreSQL $version (scripts/catalog_names.sh)."
  echo "[pg_catalog]"
  q "$DB" "SELECT DISTINCT typname FROM pg_type WHERE typnamespace = 'pg_catalog'::regnamespace ORDER BY 1"
} > "$OUT/types.txt"
{
  echo "# The functions and types each extension creates: '[extension]', then one name a line"
  echo "# (scripts/catalog_names.sh, PostgreSQL $version and the stand-ins of ../shared/pg)."
  for ext in $(q "$DB" "SELECT name FROM pg_available_extensions WHERE name <> 'plpgsql' ORDER BY 1"); do
    # Each in a transaction of its own, rolled back: extensions may clash with each other.
    names=$(psql -X -q -At -d "$DB" 2>/dev/null <<SQL || true
BEGIN;
CREATE EXTENSION "$ext" CASCADE;
SELECT DISTINCT n FROM (
  SELECT p.proname AS n FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
   JOIN pg_extension e ON d.refobjid = e.oid WHERE e.extname = '$ext' AND d.deptype = 'e'
  UNION
  SELECT t.typname FROM pg_depend d JOIN pg_type t ON d.classid = 'pg_type'::regclass AND d.objid = t.oid
   JOIN pg_extension e ON d.refobjid = e.oid WHERE e.extname = '$ext' AND d.deptype = 'e'
) names ORDER BY 1;
ROLLBACK;
SQL
)
    [ -n "$names" ] || { echo "catalog_names.sh: $ext does not install here; left out" >&2; continue; }
    echo "[$ext]"
    echo "$names"
  done
} > "$OUT/extensions.txt"

# Extensions Debian packages but the test set-up does not install (they pull in large
# libraries): their names are read from the install scripts of the packages, not a server.
PKGS="postgis-3-scripts:postgis:postgis_raster:postgis_topology pgrouting-scripts:pgrouting rum:rum hypopg:hypopg"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; q postgres "DROP DATABASE IF EXISTS $DB" >/dev/null' EXIT
{
  echo "# The functions and types of extensions read from the install scripts of Debian's"
  echo "# packages for PostgreSQL ${version:0:2} (scripts/catalog_names.sh): '[extension]', then one name a line."
  for spec in $PKGS; do
    pkg=${spec%%:*}
    (cd "$TMP" && apt-get download -q "postgresql-${version:0:2}-$pkg" >/dev/null 2>&1) || { echo "catalog_names.sh: cannot download $pkg" >&2; continue; }
    dpkg -x "$TMP"/postgresql-*"$pkg"*.deb "$TMP/x"
    for ext in $(echo "${spec#*:}" | tr ':' ' '); do
      script=$(ls "$TMP"/x/usr/share/postgresql/*/extension/"$ext"--*.sql | grep -E "/$ext--[0-9.]+\.sql$" | sort -V | tail -n1)
      echo "[$ext]"
      python3 - "$script" <<'PY'
import re, sys
text = re.sub(r"--[^\n]*", "", open(sys.argv[1]).read())
names = set()
pattern = r'CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|AGGREGATE|PROCEDURE|TYPE)\s+((?:"?\w+"?\.)?"?\w+"?)'
for m in re.finditer(pattern, text, re.I):
    name = m.group(1).split(".")[-1]
    names.add(name.strip('"') if name.startswith('"') else name.lower())
print("\n".join(sorted(names)))
PY
    done
  done
} > "$OUT/packages.txt"
wc -l "$OUT"/*.txt
