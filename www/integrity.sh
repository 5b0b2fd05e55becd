#!/bin/sh
# Writes the build's integrity values into the staged site (Trunk's post_build hook, run before
# precache.sh, which then lists the files as they are here):
#   index.html        the UI bundle's sha384 (its glue's for the modulepreload link, its wasm's
#                     for the boot script's fetch: Trunk.toml's pattern_preload and
#                     pattern_script), then the sha256 of every inline script into the
#                     Content-Security-Policy (@INLINE_SCRIPT_HASHES@)
#   worker_loader.js  each worker wasm's sha256, between its `integrity:begin` and `integrity:end`
#                     lines (the loader refuses a wasm of another build)
#   live-reload.js    only under `trunk serve` (make dev): its live-reload script, moved out of
#                     index.html (trunk serve rewrites it for every request: no hash would hold)
# A value it cannot write stops the build (a page with a placeholder would not start). The inline
# scripts' hashes change with every build (the boot script names the content-hashed UI bundle),
# which is why they are written here and not in www/index.html. POSIX sh, awk, base64;
# sha256sum and sha384sum (GNU) or, on macOS, shasum.
#
# Usage: TRUNK_STAGING_DIR=<site folder> sh www/integrity.sh   (Trunk sets it)
set -eu

site="${TRUNK_STAGING_DIR:?integrity.sh: TRUNK_STAGING_DIR must name the built site}"
cd "$site"
fail() {
  echo "integrity.sh: $*" >&2
  exit 1
}
[ -f index.html ] || fail "$site/index.html is missing"
[ -f worker_loader.js ] || fail "$site/worker_loader.js is missing"

# `digest N file`: the file's SHA-N (256, 384) in hex.
if command -v sha256sum >/dev/null 2>&1 && command -v sha384sum >/dev/null 2>&1; then
  digest() { "sha$1sum" "$2" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  digest() { shasum -a "$1" "$2" | cut -d ' ' -f 1; }
else
  fail "needs sha256sum and sha384sum, or shasum"
fi

# Hex (one line on stdin) → base64 of its bytes, as CSP hashes are written.
hex_base64() {
  esc=$(awk '{ for (i = 1; i < length($0); i += 2)
    printf "\\%03o", 16 * (index("0123456789abcdef", substr($0, i, 1)) - 1) + index("0123456789abcdef", substr($0, i + 1, 1)) - 1 }')
  # shellcheck disable=SC2059 # the format is the escapes
  printf "$esc" | base64 | tr -d '\n'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The UI bundle's glue and wasm: their sha384 for the modulepreload link and the boot script's
# fetch (Trunk.toml's pattern_preload and pattern_script).
glue=$(sed -n "s|.*const glue = '\./\([^']*\)';.*|\1|p" index.html)
wasm=$(sed -n "s|.*const wasm = '\./\([^']*\)';.*|\1|p" index.html)
{ [ -f "$glue" ] && [ -f "$wasm" ]; } || fail "index.html's boot script names no UI bundle files here (Trunk.toml's pattern_script)"
for placeholder in @GLUE_INTEGRITY@ @WASM_INTEGRITY@; do
  grep -q "$placeholder" index.html || fail "index.html has no $placeholder (Trunk.toml's pattern_preload, pattern_script)"
done
glue_integrity="sha384-$(digest 384 "$glue" | hex_base64)"
wasm_integrity="sha384-$(digest 384 "$wasm" | hex_base64)"
sed -e "s|@GLUE_INTEGRITY@|$glue_integrity|g" -e "s|@WASM_INTEGRITY@|$wasm_integrity|g" index.html > "$tmp/index.html"

# `trunk serve` (make dev) adds its live-reload script inline and writes into it, as it sends the
# page, the address the browser asked for: no hash of it can be known here. It goes into a file,
# live-reload.js, with the page's own address instead (its WebSocket path is the server's root).
if grep -q '{{__TRUNK_ADDRESS__}}' "$tmp/index.html"; then
  awk '
    function flush() { printf "%s", opening; printf "%s", text; inside = 0 }
    inside {
      end = index($0, "</script>")
      if (!end) { text = text $0 "\n"; next }
      text = text substr($0, 1, end - 1)
      if (index(text, "{{__TRUNK_ADDRESS__}}")) {
        printf "%s", text > "live-reload.js"
        print "<script src=\"live-reload.js\"></script>" substr($0, end + 9)
        inside = 0
      } else { flush(); print substr($0, end) }
      next
    }
    {
      start = index($0, "<script")
      close_at = start ? index(substr($0, start), ">") : 0
      if (start && close_at && substr($0, start, close_at) !~ / src=/ && !index(substr($0, start), "</script>")) {
        opening = substr($0, 1, start + close_at - 1); text = substr($0, start + close_at) "\n"; inside = 1; next
      }
      print
    }
  ' "$tmp/index.html" > "$tmp/index.dev.html" || fail "index.html: could not move trunk serve's live-reload script out"
  sed -e "s|'{{__TRUNK_ADDRESS__}}'|window.location.host|g" -e 's|{{__TRUNK_WS_BASE__}}|/|g' live-reload.js > "$tmp/live-reload.js"
  cat "$tmp/live-reload.js" > live-reload.js
  mv "$tmp/index.dev.html" "$tmp/index.html"
fi

# 2. The sha256 of each inline script (a <script> without src), its text exactly as between its
# tags, into the Content-Security-Policy's script-src.
awk -v dir="$tmp" '
  function open_script(rest) { n++; text = ""; inside = 1; take(rest) }
  function take(line,   end) {
    end = index(line, "</script>")
    if (end) { text = text substr(line, 1, end - 1); printf "%s", text > (dir "/script" n); close(dir "/script" n); inside = 0 }
    else text = text line "\n"
  }
  {
    if (inside) { take($0); next }
    start = index($0, "<script")
    if (!start) next
    tag = substr($0, start)
    close_at = index(tag, ">")
    if (close_at == 0) { print "integrity.sh: a <script> tag spans lines" > "/dev/stderr"; exit 1 }
    if (substr(tag, 1, close_at) ~ / src=/) next
    open_script(substr(tag, close_at + 1))
  }
  END { if (inside) exit 1 }
' "$tmp/index.html" || fail "index.html: could not read its inline scripts"
hashes=""
for script in "$tmp"/script*; do
  [ -f "$script" ] || continue
  hashes="$hashes 'sha256-$(digest 256 "$script" | hex_base64)'"
done
[ -n "$hashes" ] || fail "index.html has no inline script (the boot script is one)"
grep -q '@INLINE_SCRIPT_HASHES@' "$tmp/index.html" || fail "index.html's Content-Security-Policy has no @INLINE_SCRIPT_HASHES@"
sed "s|@INLINE_SCRIPT_HASHES@|${hashes# }|" "$tmp/index.html" > index.html

# 3. Each worker wasm's sha256 into worker_loader.js.
for bundle in worker*_bg.wasm; do
  if [ -f "$bundle" ]; then printf '  "%s": "%s",\n' "$bundle" "$(digest 256 "$bundle")"; fi
done > "$tmp/sums"
[ -s "$tmp/sums" ] || fail "no worker*_bg.wasm in $site"
awk -v sums="$tmp/sums" '
  /integrity:begin/ { print; print "const SHA256 = {"; while ((getline line < sums) > 0) print line; print "};"; skipping = 1; next }
  /integrity:end/ { skipping = 0; found = 1 }
  !skipping { print }
  END { if (!found) exit 1 }
' worker_loader.js > "$tmp/loader" || fail "worker_loader.js has no integrity:begin/end lines"
cat "$tmp/loader" > worker_loader.js

echo "integrity.sh: $glue $glue_integrity, $wasm $wasm_integrity; $(echo "$hashes" | wc -w | tr -d ' ') inline script(s) in the CSP; $(wc -l < "$tmp/sums" | tr -d ' ') worker wasm sha256"
