#!/usr/bin/env bash
# Copied from the team's shared scripts so CI needs nothing outside this repository.
# Make the pgvector extension available to the PostgreSQL 15 server on this Debian (bookworm) machine.
# Bookworm has no postgresql-15-pgvector binary package, so this builds Debian's own pgvector source package
# (from trixie's deb-src) against PostgreSQL 15. Idempotent: does nothing when the extension is already installed.
# Needs root and Debian's package mirror. Usage: bash ensure-pgvector.sh   (prints what it did)
set -euo pipefail
PGVER=${PGVER:-15}
if [ -f "/usr/share/postgresql/$PGVER/extension/vector.control" ]; then echo "pgvector: already installed for PostgreSQL $PGVER"; exit 0; fi
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
cat > "$work/sources.list" <<SRC
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
SRC
opts=(-o Dir::Etc::sourcelist="$work/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# Prefer headers of the exact server version installed (leaves the running server's packages alone); else the newest.
have=$(dpkg-query -W -f='${Version}' "postgresql-$PGVER" 2>/dev/null || true)
apt-get install -y -qq --no-install-recommends "postgresql-server-dev-$PGVER${have:+=$have}" make gcc dpkg-dev >/dev/null 2>&1 \
  || apt-get install -y -qq --no-install-recommends "postgresql-server-dev-$PGVER" make gcc dpkg-dev >/dev/null
apt-get "${opts[@]}" update -qq >/dev/null
(cd "$work" && apt-get "${opts[@]}" source --download-only pgvector >/dev/null && dpkg-source -x pgvector_*.dsc src >/dev/null)
make -s -C "$work/src" PG_CONFIG="/usr/lib/postgresql/$PGVER/bin/pg_config" OPTFLAGS="" with_llvm=no >/dev/null
make -s -C "$work/src" PG_CONFIG="/usr/lib/postgresql/$PGVER/bin/pg_config" with_llvm=no install >/dev/null
echo "pgvector: built $(grep default_version "/usr/share/postgresql/$PGVER/extension/vector.control" | cut -d"'" -f2) from Debian's source and installed for PostgreSQL $PGVER"
