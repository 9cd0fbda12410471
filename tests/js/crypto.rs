//! `crypto.subtle` against published test vectors: FIPS 180 (SHA), RFC 2202
//! and RFC 4231 (HMAC), RFC 6070 and RFC 7914 (PBKDF2). AES is in
//! crypto_aes.rs, errors and `getRandomValues` in crypto_errors.rs.

use crate::crypto_common::{js, js_list};

const FIPS_MESSAGES: &str = r#"const MSGS = ['abc', '',
  'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
  'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'];"#;

#[test]
fn digest_fips_180_vectors() {
    let cases = [
        (
            "SHA-1",
            [
                "a9993e364706816aba3e25717850c26c9cd0d89d",
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
                "a49b2446a02c645bf419f995b67091253a04a259",
            ],
        ),
        (
            "SHA-256",
            [
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
            ],
        ),
        (
            "SHA-384",
            [
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
                "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
                "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
                "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039",
            ],
        ),
        (
            "SHA-512",
            [
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
                "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
                "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
                "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
            ],
        ),
    ];
    for (alg, expected) in cases {
        let got = js_list(&format!(
            "{FIPS_MESSAGES} Promise.all(MSGS.map((m) => S.digest('{alg}', str(m)).then(hex))).then((a) => a.join(','))"
        ));
        assert_eq!(got, expected, "{alg}");
    }
}

#[test]
fn digest_accepts_names_objects_views_and_dataviews() {
    let abc256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let got = js_list(
        r#"const big = str('xxabcxx');
        Promise.all([
          S.digest('sha-256', str('abc')),
          S.digest({ name: 'Sha-256' }, str('abc').buffer),
          S.digest('SHA-256', big.subarray(2, 5)),
          S.digest('SHA-256', new DataView(big.buffer, 2, 3)),
          S.digest('SHA-256', new Uint16Array(big.buffer.slice(1, 7)).subarray(0, 0)),
        ]).then((a) => a.map(hex).join(','))"#,
    );
    assert_eq!(got[..4], [abc256; 4]);
    assert_eq!(
        got[4],
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

/// RFC 4231 test cases 1–7 (keys and data).
const RFC4231: &str = r#"const CASES = [
  [rep(0x0b, 20), str('Hi There')],
  [str('Jefe'), str('what do ya want for nothing?')],
  [rep(0xaa, 20), rep(0xdd, 50)],
  [unhex('0102030405060708090a0b0c0d0e0f10111213141516171819'), rep(0xcd, 50)],
  [rep(0x0c, 20), str('Test With Truncation')],
  [rep(0xaa, 131), str('Test Using Larger Than Block-Size Key - Hash Key First')],
  [rep(0xaa, 131), str('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.')],
];"#;

/// `macs(hash, cases)`: the hex HMACs of `cases`, each checked with verify.
const MACS: &str = r#"async function macs(hash, cases) {
  const out = [];
  for (const [k, d] of cases) {
    const key = await S.importKey('raw', k, { name: 'HMAC', hash }, false, ['sign', 'verify']);
    const sig = await S.sign('HMAC', key, d);
    const ok = await S.verify({ name: 'hmac' }, key, sig, d);
    const bad = new Uint8Array(sig.slice(0)); bad[0] ^= 1;
    const notOk = await S.verify('HMAC', key, bad, d);
    const short = await S.verify('HMAC', key, new Uint8Array(sig).subarray(1), d);
    if (!ok || notOk || short) throw new Error('verify broken for ' + hash);
    out.push(hex(sig));
  }
  return out.join(',');
}"#;

fn check_macs(hash: &str, cases: &str, expected: &[&str]) {
    let got = js_list(&format!("{cases}\n{MACS}\nmacs('{hash}', CASES)"));
    assert_eq!(got.len(), expected.len(), "{hash}");
    for (i, (got, want)) in got.iter().zip(expected).enumerate() {
        // RFC 4231 case 5 publishes only the first 128 bits.
        assert!(
            got.starts_with(want),
            "{hash} case {}: {got} != {want}",
            i + 1
        );
        assert!(i == 4 || got.len() == want.len(), "{hash} case {}", i + 1);
    }
}

#[test]
fn hmac_sha256_rfc4231() {
    check_macs(
        "SHA-256",
        RFC4231,
        &[
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            "a3b6167473100ee06e0c796c2955552b",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ],
    );
}

#[test]
fn hmac_sha384_rfc4231() {
    check_macs(
        "SHA-384",
        RFC4231,
        &[
            "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
            "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
            "3abf34c3503b2a23a46efc619baef897",
            "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
            "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
        ],
    );
}

#[test]
fn hmac_sha512_rfc4231() {
    check_macs(
        "SHA-512",
        RFC4231,
        &[
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
            "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
            "415fad6271580a531d4179bc891d87a6",
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
            "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
        ],
    );
}

#[test]
fn hmac_sha1_rfc2202() {
    let cases = r#"const CASES = [
      [rep(0x0b, 20), str('Hi There')],
      [str('Jefe'), str('what do ya want for nothing?')],
      [rep(0xaa, 20), rep(0xdd, 50)],
      [unhex('0102030405060708090a0b0c0d0e0f10111213141516171819'), rep(0xcd, 50)],
      [rep(0x0c, 20), str('Test With Truncation')],
      [rep(0xaa, 80), str('Test Using Larger Than Block-Size Key - Hash Key First')],
      [rep(0xaa, 80), str('Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data')],
    ];"#;
    let wanted = [
        "b617318655057264e28bc0b6fb378c8ef146be00",
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
        "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
        "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
        "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
        "aa4ae5e15272d00e95705637ce8a3b55ed402112",
        "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
    ];
    check_macs("SHA-1", cases, &wanted);
}

#[test]
fn hmac_key_algorithm_and_generate() {
    let got = js(r#"(async () => {
      const k = await S.importKey('raw', rep(1, 20), { name: 'HMAC', hash: 'sha-256' }, true, ['verify', 'sign', 'sign']);
      const g = await S.generateKey({ name: 'HMAC', hash: { name: 'SHA-384' } }, true, ['sign']);
      const raw = await S.exportKey('raw', g);
      return JSON.stringify([k.algorithm, k.usages, k.type, k.extractable, hex(await S.exportKey('raw', k)).length,
        g.algorithm, raw.byteLength, Object.prototype.toString.call(k)]);
    })()"#);
    assert_eq!(
        got.replace('\\', ""),
        r#"[{"name":"HMAC","hash":{"name":"SHA-256"},"length":160},["sign","verify"],"secret",true,40,{"name":"HMAC","hash":{"name":"SHA-384"},"length":1024},128,"[object CryptoKey]"]"#
    );
}

/// PBKDF2 through deriveBits; `cases` are [password, salt, iterations, bytes].
fn pbkdf2(hash: &str, cases: &str) -> Vec<String> {
    js_list(&format!(
        r#"(async () => {{
          const out = [];
          for (const [p, s, c, n] of {cases}) {{
            const key = await S.importKey('raw', str(p), 'PBKDF2', false, ['deriveBits']);
            out.push(hex(await S.deriveBits({{ name: 'PBKDF2', hash: '{hash}', salt: str(s), iterations: c }}, key, n * 8)));
          }}
          return out.join(',');
        }})()"#
    ))
}

#[test]
fn pbkdf2_sha1_rfc6070() {
    // The 16,777,216-iteration vector is left out to keep debug runs fast.
    let got = pbkdf2(
        "SHA-1",
        r#"[['password', 'salt', 1, 20], ['password', 'salt', 2, 20], ['password', 'salt', 4096, 20],
            ['passwordPASSWORDpassword', 'saltSALTsaltSALTsaltSALTsaltSALTsalt', 4096, 25],
            ['pass\0word', 'sa\0lt', 4096, 16]]"#,
    );
    assert_eq!(
        got,
        [
            "0c60c80f961f0e71f3a9b524af6012062fe037a6",
            "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
            "4b007901b765489abead49d926f721d065a429c1",
            "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
            "56fa6aa75548099dcc37d7f03425e0c3",
        ]
    );
}

#[test]
fn pbkdf2_sha256_published_vectors() {
    // RFC 7914 §11 (the first, c = 1) and the widely published
    // "password"/"salt" PBKDF2-HMAC-SHA256 set.
    let got = pbkdf2(
        "SHA-256",
        r#"[['passwd', 'salt', 1, 64], ['password', 'salt', 1, 32], ['password', 'salt', 2, 32],
            ['password', 'salt', 4096, 32],
            ['passwordPASSWORDpassword', 'saltSALTsaltSALTsaltSALTsaltSALTsalt', 4096, 40]]"#,
    );
    assert_eq!(
        got,
        [
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
            "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43",
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a",
            "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9",
        ]
    );
}
