#!/bin/sh
# SPDX-License-Identifier: ISC
# Records its arguments one per line in $RECORD (for the shim tests).
printf '%s\n' "$@" > "$RECORD"
