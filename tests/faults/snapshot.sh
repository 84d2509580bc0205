#!/usr/bin/env bash
# A clean copy of a commit (default HEAD) to run the fault suite on, so files other
# people are editing in this checkout cannot change the code under test mid-run:
#   bash tests/faults/snapshot.sh /tmp/sb-faults [commit]
#   cd /tmp/sb-faults && FAULTS_SOURCE="commit $(git -C /work/main rev-parse --short HEAD) (snapshot)" \
#     npx tsx scripts/test-faults.ts --out /work/main/RELIABILITY.md …
# node_modules is linked from this checkout; the Prisma client is generated for the snapshot's schema.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="${1:?usage: snapshot.sh <dir> [commit]}"
commit="${2:-HEAD}"
rm -rf "$dest"
mkdir -p "$dest"
git -C "$here" archive "$commit" | tar -x -C "$dest"
ln -s "$here/node_modules" "$dest/node_modules"
if [[ -d "$here/.data/faults/kafka-classpath" ]]; then mkdir -p "$dest/.data/faults" && cp -r "$here/.data/faults/kafka-classpath" "$dest/.data/faults/"; fi
(cd "$dest" && npx tsx scripts/prisma-generate.ts >/dev/null)
echo "snapshot of $(git -C "$here" rev-parse --short "$commit") in $dest"
