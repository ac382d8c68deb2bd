#!/bin/sh
# OpenClaw is not installed (or not on the PATH)
rm -f /usr/local/bin/openclaw
