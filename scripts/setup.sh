#!/usr/bin/env bash
# Installs what building and testing schemagen needs beyond the Rust toolchain:
#   - libclang-dev   (bindgen, used by the pg_query crate's build script)
#   - postgresql, postgresql-contrib (a real server for the migration tests in tests/)
#   - libssl-dev, pkg-config (native-tls, the TLS of the live-database client)
#   - postgresql-<version>-pgtap (pgTAP, which `verify` and the generated RLS tests use) for the
#     newest installed server, and libtap-parser-sourcehandler-pgtap-perl (`pg_prove`)
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

# OpenSSL headers for native-tls (openssl-sys finds them with pkg-config).
for p in libssl-dev pkg-config; do
  if dpkg -s "$p" >/dev/null 2>&1; then
    echo "setup: found $p"
  else
    missing+=("$p")
  fi
done

# PostgreSQL server binaries.
initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || true)
if [ -n "$initdb" ]; then
  echo "setup: found PostgreSQL server ($initdb)"
else
  missing+=(postgresql)
fi

# Contrib extensions (pgcrypto, uuid-ossp are used by src/verify/supabase_stub.sql).
if ls /usr/share/postgresql/*/extension/pgcrypto.control >/dev/null 2>&1 &&
   ls /usr/share/postgresql/*/extension/uuid-ossp.control >/dev/null 2>&1; then
  echo "setup: found PostgreSQL contrib extensions (pgcrypto, uuid-ossp)"
else
  missing+=(postgresql-contrib)
fi

# pgTAP for the newest installed server version; with no server yet, Debian's `pgtap`
# metapackage, which follows the default server about to be installed.
if [ -n "$initdb" ]; then
  pg_version=$(basename "$(dirname "$(dirname "$initdb")")")
  if [ -f "/usr/share/postgresql/$pg_version/extension/pgtap.control" ]; then
    echo "setup: found pgTAP for PostgreSQL $pg_version"
  else
    missing+=("postgresql-$pg_version-pgtap")
  fi
else
  missing+=(pgtap)
fi

# pg_prove, which runs the generated pgTAP files from the shell.
if command -v pg_prove >/dev/null 2>&1; then
  echo "setup: found pg_prove"
else
  missing+=(libtap-parser-sourcehandler-pgtap-perl)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: nothing to install"
else
  for p in "${missing[@]}"; do
    echo "setup: installing $p"
  done
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: installed ${missing[*]}"
fi

# Stand-in extensions for the corpus tests (tests/corpus.rs): http, pg_net, pgjwt, pg_cron,
# supabase_vault, pg_graphql, vector, from ../shared/pg/fake-extensions, copied into the
# extension directory of the newest installed server. Only when ../shared/ is beside the
# project; skipped when they are already there (idempotent) or when we cannot write there.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FAKE_INSTALL="$ROOT/../shared/pg/install-fake-extensions.sh"
if [ -f "$FAKE_INSTALL" ]; then
  fake_dir="$(dirname "$FAKE_INSTALL")/fake-extensions"
  pg_config_bin=$(ls -d /usr/lib/postgresql/*/bin/pg_config 2>/dev/null | sort -V | tail -n1 || true)
  ext_dir=""
  if [ -n "$pg_config_bin" ]; then
    ext_dir="$("$pg_config_bin" --sharedir)/extension"
  elif command -v pg_config >/dev/null 2>&1; then
    ext_dir="$(pg_config --sharedir)/extension"
  else
    ext_dir=$(ls -d /usr/share/postgresql/*/extension 2>/dev/null | sort -V | tail -n1 || true)
  fi
  if [ -z "$ext_dir" ] || [ ! -d "$ext_dir" ]; then
    echo "setup: no PostgreSQL extension directory found; skipping the corpus stand-in extensions" >&2
  else
    need=0
    for f in "$fake_dir"/*.control "$fake_dir"/*.sql; do
      if ! cmp -s "$f" "$ext_dir/$(basename "$f")"; then
        need=1
        break
      fi
    done
    if [ "$need" = 0 ]; then
      echo "setup: found the corpus stand-in extensions in $ext_dir"
    elif [ -w "$ext_dir" ]; then
      bash "$FAKE_INSTALL" "$ext_dir" | sed 's/^/setup: /'
    elif [ "${#SUDO[@]}" -gt 0 ] && sudo -n true 2>/dev/null; then
      sudo -n bash "$FAKE_INSTALL" "$ext_dir" | sed 's/^/setup: /'
    else
      echo "setup: cannot write $ext_dir (not root, no passwordless sudo); skipping the corpus" \
        "stand-in extensions: run 'sudo bash $FAKE_INSTALL $ext_dir' by hand" >&2
    fi
  fi
fi
