# Sums the sizes of a linked program's functions and data by the crate that
# defined them: the first path segment of each demangled Rust symbol (the
# implementing type's crate for `<T as Trait>::f`; generic code counts for
# the crate it came from, such as core or alloc). C symbols are grouped by
# name prefix: QuickJS, zstd, ring; the rest is libc and other C.
# Input: `nm -S -C --radix=d PROGRAM`. Output: "BYTES NAME" lines, then
# "BYTES TOTAL".
$3 ~ /^[tTwWrRdDbB]$/ && NF >= 4 {
    size = $2 + 0
    name = $0
    sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
    if (name ~ /::/) {
        crate = name
        while (crate ~ /^([<&*( ]|dyn |impl |mut |const )/)
            sub(/^([<&*( ]|dyn |impl |mut |const )/, "", crate)
        sub(/::.*/, "", crate)
        sub(/[<>, ].*/, "", crate)
    } else if (name ~ /^(ZSTD|HUF|FSE|ZDICT|HIST|POOL|COVER)/) {
        crate = "zstd (C)"
    } else if (name ~ /^(ring_core|aes_|chacha|x25519|ecp_|p256|p384|bn_|sha256_block|sha512_block|gcm_|LIMBS|CRYPTO)/) {
        crate = "ring (C, assembly)"
    } else if (name ~ /^(JS_|js_|lre_|cr_|unicode_|dbuf_|bf_|mp_|JS[A-Z]|__JS)/) {
        crate = "QuickJS (C)"
    } else {
        crate = "other C (QuickJS statics, libc)"
    }
    total[crate] += size
    all += size
}
END {
    for (c in total) printf "%d %s\n", total[c], c
    printf "%d TOTAL\n", all
}
