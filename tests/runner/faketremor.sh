#!/bin/sh
# SPDX-License-Identifier: ISC
# A fake $TREMOR_BIN: records its arguments, then succeeds.
echo "argv: $*" > tremor.log
exit 0
