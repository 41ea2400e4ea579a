#!/usr/bin/env bash
# Installs what building and testing schemagen needs beyond the Rust toolchain:
#   - libclang-dev   (bindgen, used by the pg_query crate's build script)
#   - postgresql, postgresql-contrib (a real server for the migration tests in tests/)
# Idempotent: installs only what is missing, runs `apt-get update` only when it must install.
set -euo pipefail

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup: not root and no sudo; installs will probably fail" >&2
  fi
fi

missing=()

# libclang (any LLVM version Debian ships).
libclang=$(ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/x86_64-linux-gnu/libclang*.so* 2>/dev/null | head -n1 || true)
if [ -n "$libclang" ] && dpkg -s libclang-dev >/dev/null 2>&1; then
  echo "setup: found libclang ($libclang)"
else
  missing+=(libclang-dev)
fi

# PostgreSQL server binaries.
initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || true)
if [ -n "$initdb" ]; then
  echo "setup: found PostgreSQL server ($initdb)"
else
  missing+=(postgresql)
fi

# Contrib extensions (pgcrypto, uuid-ossp are used by tests/pg/supabase_stub.sql).
if ls /usr/share/postgresql/*/extension/pgcrypto.control >/dev/null 2>&1 &&
   ls /usr/share/postgresql/*/extension/uuid-ossp.control >/dev/null 2>&1; then
  echo "setup: found PostgreSQL contrib extensions (pgcrypto, uuid-ossp)"
else
  missing+=(postgresql-contrib)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: nothing to install"
  exit 0
fi

for p in "${missing[@]}"; do
  echo "setup: installing $p"
done
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: installed ${missing[*]}"
