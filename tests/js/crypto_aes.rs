//! AES-CBC and AES-CTR against NIST SP 800-38A, AES-GCM against the
//! McGrew–Viega GCM specification's test cases, and deriveKey.

use crate::crypto_common::{js, js_err, js_list};

/// SP 800-38A's four plaintext blocks.
const PLAIN: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

/// Encrypts PLAIN with `alg` (a JS expression) under `key`, then decrypts
/// the result; returns [ciphertext, decrypted].
fn round_trip(name: &str, key: &str, alg: &str) -> Vec<String> {
    js_list(&format!(
        r#"(async () => {{
          const key = await S.importKey('raw', unhex('{key}'), '{name}', false, ['encrypt', 'decrypt']);
          const alg = {alg};
          const c = await S.encrypt(alg, key, unhex('{PLAIN}'));
          const p = await S.decrypt(alg, key, c);
          return hex(c) + ',' + hex(p);
        }})()"#
    ))
}

#[test]
fn aes_cbc_sp800_38a() {
    let iv = "{ name: 'AES-CBC', iv: unhex('000102030405060708090a0b0c0d0e0f') }";
    // F.2.1/F.2.2 (AES-128), F.2.3/F.2.4 (AES-192), F.2.5/F.2.6 (AES-256).
    let cases = [
        (
            "2b7e151628aed2a6abf7158809cf4f3c",
            "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7",
        ),
        (
            "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
            "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd",
        ),
        (
            "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
            "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b",
        ),
    ];
    for (key, cipher) in cases {
        let got = round_trip("AES-CBC", key, iv);
        // WebCrypto pads with PKCS#7, so one more (full padding) block.
        assert_eq!(got[0].len(), cipher.len() + 32, "{key}");
        assert_eq!(&got[0][..cipher.len()], cipher, "{key}");
        assert_eq!(got[1], PLAIN, "{key}");
    }
}

#[test]
fn aes_cbc_rejects_bad_padding_and_iv() {
    // The published F.2.2 ciphertext alone lacks WebCrypto's padding block.
    let src = |alg: &str, data: &str| {
        format!(
            r#"S.importKey('raw', unhex('2b7e151628aed2a6abf7158809cf4f3c'), 'AES-CBC', false, ['decrypt'])
              .then((k) => S.decrypt({alg}, k, {data}))"#
        )
    };
    let iv = "{ name: 'AES-CBC', iv: unhex('000102030405060708090a0b0c0d0e0f') }";
    let f22 = "unhex('7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2')";
    assert!(js_err(&src(iv, f22)).starts_with("OperationError"));
    assert!(js_err(&src(iv, "new Uint8Array(15)")).starts_with("OperationError"));
    assert!(js_err(&src(iv, "new Uint8Array(0)")).starts_with("OperationError"));
    let short_iv = "{ name: 'AES-CBC', iv: new Uint8Array(12) }";
    assert!(js_err(&src(short_iv, f22)).starts_with("OperationError"));
    let no_iv = "{ name: 'AES-CBC' }";
    assert!(js_err(&src(no_iv, f22)).starts_with("TypeError"));
}

#[test]
fn aes_ctr_sp800_38a() {
    let ctr = |bits: u32| {
        format!(
            "{{ name: 'AES-CTR', counter: unhex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'), length: {bits} }}"
        )
    };
    // F.5.1/F.5.2 (AES-128) and F.5.5/F.5.6 (AES-256).
    let cases = [
        (
            "2b7e151628aed2a6abf7158809cf4f3c",
            "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
        ),
        (
            "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
            "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
        ),
    ];
    for (key, cipher) in cases {
        for bits in [128, 64, 16] {
            assert_eq!(round_trip("AES-CTR", key, &ctr(bits)), [cipher, PLAIN]);
        }
    }
}

#[test]
fn aes_ctr_counts_only_length_bits() {
    // With an 8-bit counter, ...feff + 1 wraps to ...fe00, not ...ff00.
    let got = js_list(
        r#"(async () => {
          const key = await S.importKey('raw', unhex('2b7e151628aed2a6abf7158809cf4f3c'), 'AES-CTR', false, ['encrypt']);
          const zero = new Uint8Array(32);
          const a = await S.encrypt({ name: 'AES-CTR', counter: unhex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'), length: 8 }, key, zero);
          const b = await S.encrypt({ name: 'AES-CTR', counter: unhex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfe00'), length: 128 }, key, zero.subarray(16));
          return hex(new Uint8Array(a).subarray(16)) + ',' + hex(b);
        })()"#,
    );
    assert_eq!(got[0], got[1]);
    let wrap = js_err(
        r#"S.importKey('raw', new Uint8Array(16), 'AES-CTR', false, ['encrypt'])
          .then((k) => S.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 1 }, k, new Uint8Array(33)))"#,
    );
    assert!(wrap.starts_with("OperationError"), "{wrap}");
    for (counter, length) in [("16", "0"), ("16", "129"), ("8", "64")] {
        let e = js_err(&format!(
            r#"S.importKey('raw', new Uint8Array(16), 'AES-CTR', false, ['encrypt'])
              .then((k) => S.encrypt({{ name: 'AES-CTR', counter: new Uint8Array({counter}), length: {length} }}, k, new Uint8Array(1)))"#
        ));
        assert!(e.starts_with("OperationError"), "{counter} {length}: {e}");
    }
}

/// A McGrew–Viega test case: key, plaintext, AAD, IV, ciphertext, tag.
type GcmCase = [&'static str; 6];

const P64: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
const P60: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
const K128: &str = "feffe9928665731c6d6a8f9467308308";
const K256: &str = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
const AAD: &str = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

const GCM_CASES: [GcmCase; 8] = [
    // Test case 2.
    [
        "00000000000000000000000000000000",
        "00000000000000000000000000000000",
        "",
        "000000000000000000000000",
        "0388dace60b6a392f328c2b971b2fe78",
        "ab6e47d42cec13bdf53a67b21257bddf",
    ],
    // Test case 3.
    [
        K128,
        P64,
        "",
        "cafebabefacedbaddecaf888",
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
        "4d5c2af327cd64a62cf35abd2ba6fab4",
    ],
    // Test case 4 (with AAD).
    [
        K128,
        P60,
        AAD,
        "cafebabefacedbaddecaf888",
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        "5bc94fbc3221a5db94fae95ae7121a47",
    ],
    // Test case 5 (8-byte IV).
    [
        K128,
        P60,
        AAD,
        "cafebabefacedbad",
        "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598",
        "3612d2e79e3b0785561be14aaca2fccb",
    ],
    // Test case 6 (60-byte IV).
    [
        K128,
        P60,
        AAD,
        "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
        "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5",
        "619cc5aefffe0bfa462af43c1699d050",
    ],
    // Test case 14 (256-bit zero key).
    [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "00000000000000000000000000000000",
        "",
        "000000000000000000000000",
        "cea7403d4d606b6e074ec5d3baf39d18",
        "d0d1c8a799996bf0265b98b5d48ab919",
    ],
    // Test case 15.
    [
        K256,
        P64,
        "",
        "cafebabefacedbaddecaf888",
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
        "b094dac5d93471bdec1a502270e3cc6c",
    ],
    // Test case 16 (with AAD).
    [
        K256,
        P60,
        AAD,
        "cafebabefacedbaddecaf888",
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
        "76fc6ece0f4e1768cddf8853bb2d551b",
    ],
];

#[test]
fn aes_gcm_mcgrew_viega() {
    for [key, plain, aad, iv, cipher, tag] in GCM_CASES {
        let aad_member = if aad.is_empty() {
            String::new()
        } else {
            format!("additionalData: unhex('{aad}'),")
        };
        let got = js_list(&format!(
            r#"(async () => {{
              const key = await S.importKey('raw', unhex('{key}'), 'AES-GCM', false, ['encrypt', 'decrypt']);
              const alg = {{ name: 'AES-GCM', iv: unhex('{iv}'), {aad_member} }};
              const c = await S.encrypt(alg, key, unhex('{plain}'));
              const p = await S.decrypt(alg, key, c);
              const t96 = await S.encrypt({{ ...alg, tagLength: 96 }}, key, unhex('{plain}'));
              const p96 = await S.decrypt({{ ...alg, tagLength: 96 }}, key, t96);
              const t32 = await S.encrypt({{ ...alg, tagLength: 32 }}, key, unhex('{plain}'));
              const p32 = await S.decrypt({{ ...alg, tagLength: 32 }}, key, t32);
              return [hex(c), hex(p), hex(t96), hex(p96), hex(t32), hex(p32)].join(',');
            }})()"#
        ));
        let full = format!("{cipher}{tag}");
        assert_eq!(got[0], full, "{iv}");
        assert_eq!(got[1], plain);
        assert_eq!(got[2], &full[..cipher.len() + 24]);
        assert_eq!(got[3], plain);
        assert_eq!(got[4], &full[..cipher.len() + 8]);
        assert_eq!(got[5], plain);
    }
}

#[test]
fn aes_gcm_rejects_tampering_and_bad_params() {
    let base = |alg: &str, mutate: &str| {
        format!(
            r#"(async () => {{
              const key = await S.importKey('raw', unhex('{K128}'), 'AES-GCM', false, ['encrypt', 'decrypt']);
              const alg = {{ name: 'AES-GCM', iv: unhex('cafebabefacedbaddecaf888'), additionalData: unhex('{AAD}') }};
              const c = new Uint8Array(await S.encrypt(alg, key, unhex('{P60}')));
              {mutate}
              return hex(await S.decrypt({alg}, key, c));
            }})()"#
        )
    };
    let cases = [
        ("alg", "c[c.length - 1] ^= 1;", "OperationError"),
        ("alg", "c[0] ^= 1;", "OperationError"),
        (
            "{ ...alg, additionalData: new Uint8Array(0) }",
            "",
            "OperationError",
        ),
        (
            "alg",
            "return hex(await S.decrypt(alg, key, c.subarray(0, 15)));",
            "OperationError",
        ),
        ("{ ...alg, tagLength: 100 }", "", "OperationError"),
        ("{ ...alg, tagLength: 256 }", "", "TypeError"),
        ("{ ...alg, iv: new Uint8Array(0) }", "", "OperationError"),
        ("{ ...alg, iv: 'abc' }", "", "TypeError"),
    ];
    for (alg, mutate, want) in cases {
        let e = js_err(&base(alg, mutate));
        assert!(e.starts_with(want), "{alg} {mutate}: {e}");
    }
}

#[test]
fn derive_key_matches_derive_bits() {
    let got = js(r#"(async () => {
          const base = await S.importKey('raw', str('password'), 'PBKDF2', false, ['deriveKey', 'deriveBits']);
          const p = { name: 'PBKDF2', salt: str('salt'), iterations: 2, hash: 'SHA-256' };
          const aes = await S.deriveKey(p, base, { name: 'AES-GCM', length: 256 }, true, ['encrypt']);
          const mac = await S.deriveKey(p, base, { name: 'HMAC', hash: 'SHA-512' }, true, ['sign']);
          const mac16 = await S.deriveKey(p, base, { name: 'HMAC', hash: 'SHA-1', length: 128 }, false, ['verify']);
          return [hex(await S.exportKey('raw', aes)), hex(await S.deriveBits(p, base, 256)),
            JSON.stringify(aes.algorithm), JSON.stringify(mac.algorithm), (await S.exportKey('raw', mac)).byteLength,
            hex(await S.exportKey('raw', mac)).slice(0, 64), mac16.algorithm.length, aes.usages.join('+')].join('|');
        })()"#);
    let got: Vec<&str> = got.split('|').collect();
    let want = "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43";
    assert_eq!(got[0], want);
    assert_eq!(got[1], want);
    assert_eq!(
        got[2].replace('\\', ""),
        r#"{"name":"AES-GCM","length":256}"#
    );
    assert_eq!(
        got[3].replace('\\', ""),
        r#"{"name":"HMAC","hash":{"name":"SHA-512"},"length":1024}"#
    );
    assert_eq!(got[4], "128");
    assert_eq!(got[5], want);
    assert_eq!(got[6], "128");
    assert_eq!(got[7], "encrypt");
}

#[test]
fn generated_aes_key_round_trips() {
    let got = js(r#"(async () => {
      const key = await S.generateKey({ name: 'AES-GCM', length: 192 }, true, ['encrypt', 'decrypt']);
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const c = await S.encrypt({ name: 'AES-GCM', iv }, key, str('hello'));
      const p = await S.decrypt({ name: 'AES-GCM', iv }, key, c);
      return [hex(p), (await S.exportKey('raw', key)).byteLength, key.algorithm.length].join(',');
    })()"#);
    assert_eq!(got, "68656c6c6f,24,192");
}
