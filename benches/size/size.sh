#!/bin/sh
# `make size`: what BEX costs a player, measured in one run, against budgets.
#
# Links examples/player.c statically against each library the Makefile
# built (with --gc-sections, as every shipped link line does), strips it
# and reports its size; sums the functions and data of the unstripped
# programs by crate; and, on the machine itself (not under emulation), runs
# benches/size/rss.c: the resident memory of a player with the shipped
# plugins installed and walked once, idle, and its peak under four
# concurrent calls. Prints every row with its budget and whether it holds;
# exits 1 if one does not.
#
# Environment (set by the Makefile):
#   TARGET        the target triple
#   CC STRIP NM   the target's C compiler and binutils
#   NATIVE_LIBS   the libraries libbex_engine.a needs (rustc's list)
#   JIT_LIB       the release library with the compiler
#   RT_LIB        the runtime-only release library
#   RT_NOJS_LIB   the runtime-only library without the JS host ("" if none)
#   CLI           the release bex for TARGET
#   HOST_BEX      a bex that runs here (precompiles for the RSS run)
#   OUT           a scratch directory
#   RSS           1 to measure memory (only where the programs run natively)
#   PACKAGES      the plugin packages (plugins/dist/*.bex)
set -eu

KIB=1024
JIT_BUDGET_KIB=$((16 * KIB))
RT_BUDGET_KIB=$((8 * KIB))
IDLE_BUDGET_KIB=$((40 * KIB))
PEAK_BUDGET_KIB=$((64 * KIB))
here=$(dirname "$0")
over=0

mkdir -p "$OUT"

kib() { echo $(( ($(stat -c %s "$1") + 1023) / 1024 )); }

# row LABEL VALUE_KIB [BUDGET_KIB]
row() {
    if [ -n "${3:-}" ]; then
        if [ "$2" -le "$3" ]; then verdict=holds; else verdict=OVER; over=1; fi
        printf '  %-48s %7d KiB   budget %6d KiB  %s\n' "$1" "$2" "$3" "$verdict"
    else
        printf '  %-48s %7d KiB\n' "$1" "$2"
    fi
}

# player NAME LIB: links examples/player.c against LIB as a player would.
player() {
    $CC -std=c99 -O2 -Iinclude examples/player.c "$2" $NATIVE_LIBS \
        -Wl,--gc-sections -o "$OUT/player-$1"
    $STRIP "$OUT/player-$1" -o "$OUT/player-$1.stripped"
}

# crates NAME: the largest crates of player NAME.
crates() {
    $NM -S -C --radix=d "$OUT/player-$1" | awk -f "$here/crates.awk" | sort -rn \
        | sed -n '2,13p' | while read -r bytes crate; do
            printf '    %-34s %7d KiB\n' "$crate" $(( (bytes + 1023) / 1024 ))
        done
}

player jit "$JIT_LIB"
player runtime "$RT_LIB"
[ -n "$RT_NOJS_LIB" ] && player runtime-nojs "$RT_NOJS_LIB"
$STRIP "$CLI" -o "$OUT/bex.stripped"
# The demo player (examples/demo): a fuller player, for the device rows.
$CC -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude examples/demo/demo.c examples/demo/walk.c examples/demo/repo.c \
    examples/demo/script.c examples/demo/json.c "$JIT_LIB" $NATIVE_LIBS -Wl,--gc-sections \
    -o "$OUT/demo-jit"
$STRIP "$OUT/demo-jit" -o "$OUT/demo-jit.stripped"

echo "sizes ($TARGET, release, stripped, linked with --gc-sections):"
row "bex CLI" "$(kib "$OUT/bex.stripped")"
row "C player (examples/player.c), with the JIT" "$(kib "$OUT/player-jit.stripped")" $JIT_BUDGET_KIB
row "C player, runtime-only" "$(kib "$OUT/player-runtime.stripped")" $RT_BUDGET_KIB
if [ -n "$RT_NOJS_LIB" ]; then
    row "C player, runtime-only, without the JS host" "$(kib "$OUT/player-runtime-nojs.stripped")"
fi
row "demo player (examples/demo), with the JIT" "$(kib "$OUT/demo-jit.stripped")"
echo "largest crates of the player with the JIT (functions and data, KiB):"
crates jit
echo "largest crates of the runtime-only player:"
crates runtime

if [ "$RSS" != 1 ]; then
    echo "memory: not measured for $TARGET here (resident memory under an emulator is the emulator's)"
    exit $over
fi

# rss NAME LIB DIR LABEL: the resident memory of a player over LIB walking
# the packages in DIR (with their artifacts, for a runtime-only LIB).
rss() {
    $CC -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude "$here/rss.c" examples/demo/walk.c \
        examples/demo/script.c examples/demo/json.c "$2" $NATIVE_LIBS -Wl,--gc-sections \
        -o "$OUT/rss-$1"
    rm -rf "$OUT/rss-$1-data"
    if ! "$OUT/rss-$1" "$OUT/rss-$1-data" plugins "$3"/*.bex > "$OUT/rss-$1.log" 2>&1; then
        cat "$OUT/rss-$1.log" >&2
        echo "size.sh: the $1 player's walk failed" >&2
        exit 1
    fi
    field() { sed -n "s/^$1 //p" "$OUT/rss-$2.log"; }
    row "idle, $4" "$(field idle_rss_kib "$1")" $IDLE_BUDGET_KIB
    printf '  %-48s anonymous %d KiB, file-backed %d KiB\n' "" \
        "$(field idle_anon_kib "$1")" "$(field idle_file_kib "$1")"
    row "peak under four concurrent calls, $4" "$(field peak_rss_kib "$1")" $PEAK_BUDGET_KIB
}

rm -rf "$OUT/packages" && mkdir -p "$OUT/packages"
cp $PACKAGES "$OUT/packages/"
n=$(ls "$OUT/packages"/*.bex | wc -l)
echo "memory (resident; $n plugins installed, each walked once through the C ABI, replayed):"
rss jit "$JIT_LIB" "$OUT/packages" "with the JIT"
"$HOST_BEX" precompile "$OUT/packages"/*.bex > /dev/null
rss runtime "$RT_LIB" "$OUT/packages" "runtime-only"
exit $over
