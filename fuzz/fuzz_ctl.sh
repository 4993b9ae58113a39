#!/bin/sh
# Short libFuzzer runs of wsflowctl's harnesses (make check with
# --enable-fuzz): the test runner's YAML reader, its judgements on what it
# read, and the control protocol with the rendering of replies.
exec sh "$top_srcdir/fuzz/fuzz_ws.sh" fuzz_ctl_yaml fuzz_ctl_assert \
    fuzz_ctlproto
