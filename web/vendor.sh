#!/bin/sh
# `make vendor`: install the exact versions of web/package-lock.json from the npm registry into
# a throwaway folder and copy the minified builds into web/static/vendor/. The copies are
# committed: a fresh machine (or a LAN without the internet) serves them through whitenoise
# and never needs npm or a CDN.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cp "$here/package.json" "$here/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --silent)
mkdir -p "$out"
cp "$work/node_modules/htmx.org/dist/htmx.min.js" "$out/htmx.min.js"
cp "$work/node_modules/chart.js/dist/chart.umd.min.js" "$out/chart.umd.min.js"
# The minified file names its source map; whitenoise's manifest storage (production) refuses
# to collect a file whose sourceMappingURL points nowhere.
cp "$work/node_modules/chart.js/dist/chart.umd.min.js.map" "$out/chart.umd.min.js.map"
# Their licences travel with them.
cp "$work/node_modules/htmx.org/LICENSE" "$out/htmx.LICENSE.txt"
cp "$work/node_modules/chart.js/LICENSE.md" "$out/chart.js.LICENSE.md"
for f in htmx.min.js chart.umd.min.js; do
  version=$(node -p "require('$work/node_modules/' + ('$f' === 'htmx.min.js' ? 'htmx.org' : 'chart.js') + '/package.json').version")
  echo "vendored $f $version"
done
