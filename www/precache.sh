#!/bin/sh
# Writes the build's file list into its service worker (Trunk's post_build hook, Trunk.toml).
#
# Lists every file of the staged site with its sha256, and writes that list and a
# version (a sha256 of the list and of sw.js's own code) between the `precache:begin` and `precache:end` lines of
# sw.js, replacing what was there: so a new build with any changed byte has a new version, and
# running this again on a built site rewrites the list. POSIX sh; sha256sum (GNU) or, on macOS,
# `shasum -a 256`.
#
# Usage: TRUNK_STAGING_DIR=<site folder> sh www/precache.sh   (Trunk sets it)
set -eu

site="${TRUNK_STAGING_DIR:?precache.sh: TRUNK_STAGING_DIR must name the built site}"
cd "$site"
[ -f sw.js ] || { echo "precache.sh: $site/sw.js is missing" >&2; exit 1; }

if command -v sha256sum >/dev/null 2>&1; then
  hash() { sha256sum "$@"; }
elif command -v shasum >/dev/null 2>&1; then
  hash() { shasum -a 256 "$@"; }
else
  echo "precache.sh: needs sha256sum or shasum" >&2
  exit 1
fi

list=$(mktemp)
trap 'rm -f "$list" "$list.sw"' EXIT

# One `["path", "sha256"],` line a file, sorted by path (bytes, not locale).
find . -type f ! -path ./sw.js ! -name '.*' | sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r path; do
  case "$path" in
    *'"'* | *'\'*) echo "precache.sh: cannot list a file name with a quote or backslash: $path" >&2; exit 1 ;;
  esac
  sum=$(hash "$path" | cut -d ' ' -f 1)
  printf '  ["%s", "%s"],\n' "$path" "$sum"
done > "$list"

# The version covers the service worker's own code too (all of sw.js but the list).
version=$(awk '/precache:begin/ { skip = 1 } !skip { print } /precache:end/ { skip = 0 }' sw.js \
  | cat "$list" - | hash | cut -c 1-16)

awk -v version="$version" -v list="$list" '
  /precache:begin/ {
    print
    print "const VERSION = \"" version "\";"
    print "const FILES = ["
    while ((getline line < list) > 0) print line
    print "];"
    skipping = 1
    next
  }
  /precache:end/ { skipping = 0; found = 1 }
  !skipping { print }
  END { if (!found) exit 1 }
' sw.js > "$list.sw" || { echo "precache.sh: sw.js has no precache:begin/end lines" >&2; exit 1; }
cat "$list.sw" > sw.js
echo "precache.sh: sw.js lists $(wc -l < "$list" | tr -d ' ') files, version $version"
