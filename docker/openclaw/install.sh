#!/bin/sh
# Installs the fake openclaw like `npm i -g openclaw` would: <prefix>/lib/node_modules/openclaw and
# <prefix>/bin/openclaw -> ../lib/node_modules/openclaw/openclaw.mjs (plus openclaw-fake-scenario).
# Usage: install.sh <prefix>      e.g. install.sh /usr/local
set -eu
prefix=${1:?usage: install.sh <prefix>}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$prefix/lib/node_modules" "$prefix/bin"
rm -rf "$prefix/lib/node_modules/openclaw"
cp -R "$here/lib/node_modules/openclaw" "$prefix/lib/node_modules/openclaw"
chmod 755 "$prefix/lib/node_modules/openclaw/openclaw.mjs" "$prefix/lib/node_modules/openclaw/fake/scenario.mjs"
ln -sfn ../lib/node_modules/openclaw/openclaw.mjs "$prefix/bin/openclaw"
ln -sfn ../lib/node_modules/openclaw/fake/scenario.mjs "$prefix/bin/openclaw-fake-scenario"
