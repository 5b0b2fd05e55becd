#!/usr/bin/env bash
# The two worker bundles must ask for the same features of every crate they share, Burn's own
# crates aside (Cargo feature `align-deps`, see Cargo.toml): a crate whose features differ
# between them compiles twice in every build, which costs build time (never correctness).
# A Burn or CubeCL update that turns on a new feature in a shared crate shows up here, with the
# crate named; add that feature to `align-deps`.
#
# Reads Cargo's feature resolution (`cargo tree`); builds nothing. `cargo fetch` first brings what
# Cargo.lock names from crates.io (on a fresh machine the set-up has built only the CPU bundle, so
# the WebGPU crates are not there yet, and `cargo tree` reads every platform's); then `cargo tree`
# runs offline. Each crate is listed as built for the target (T: wasm32) or the host (H: proc
# macros, build scripts and what they use), since Cargo resolves the two apart.
set -euo pipefail
cd "$(dirname "$0")/.."

features() {
  cargo tree --quiet --offline --target wasm32-unknown-unknown --no-default-features --features "$1" \
    -e normal,build --charset ascii --format '{p} [{f}]' \
    | awk '
        # "[build-dependencies]" under a node at depth d: the next nodes at depth d + 1 are its build dependencies.
        /\[build-dependencies\]$/ { match($0, /^[|` ]*/); build[RLENGTH / 4 + 1] = 1; next }
        {
          match($0, /^([|` ]   )*[|`]-- /); depth = RSTART ? RLENGTH / 4 : 0
          node = substr($0, RSTART ? RLENGTH + 1 : 1)
          for (k in build) if (k + 0 > depth) delete build[k]
          host[depth] = (depth > 0 && host[depth - 1]) || build[depth] || node ~ / \(proc-macro\)/
          sub(/ \(\*\)$/, "", node); sub(/ \(proc-macro\)/, "", node); sub(/ \([^)]*\) \[/, " [", node)
          if (node !~ /^(burn|burn-[a-z-]+|lectern) /) print (host[depth] ? "H " : "T ") node
        }' \
    | sort -u
}

# The features in the list "[a,b,…]" $1 that the list $2 lacks, as "a,b".
only() {
  comm -23 <(tr -d '[]' <<< "$1" | tr ',' '\n' | sort) <(tr -d '[]' <<< "$2" | tr ',' '\n' | sort) | paste -sd, -
}

cargo fetch --quiet
cpu=$(features worker)
gpu=$(features webgpu)
[ -n "$cpu" ] && [ -n "$gpu" ] || { echo "worker_features: cargo tree printed nothing"; exit 1; }
# Every crate build of the CPU bundle, with its features, must be in the WebGPU bundle as it is.
differ=$(comm -23 <(echo "$cpu") <(echo "$gpu"))
if [ -n "$differ" ]; then
  echo "worker_features: these crates get other features in the CPU worker bundle than in the WebGPU one"
  echo "(T: built for wasm32, H: for the host), so they compile twice; give them the WebGPU bundle's"
  echo "features in Cargo.toml's align-deps:"
  while read -r side name version features; do
    theirs=$(echo "$gpu" | grep -F "$side $name $version " | head -1 | cut -d' ' -f4-)
    if [ -z "$theirs" ]; then
      echo "  $side $name $version: not in the WebGPU bundle"
    else
      echo "  $side $name $version: the WebGPU bundle adds [$(only "$theirs" "$features")]$(
        extra=$(only "$features" "$theirs"); [ -z "$extra" ] || echo ", the CPU bundle adds [$extra]")"
    fi
  done <<< "$differ"
  exit 1
fi
echo "worker_features: the two worker bundles share $(echo "$cpu" | wc -l) crate builds, Burn's aside"
