//! The byte-level operations behind `crypto.subtle`: digests, HMAC, PBKDF2
//! and the AES modes, on RustCrypto primitives. No JavaScript here: the
//! bindings in `crypto.rs` convert arguments and map [`Failure`] to
//! exceptions.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{
    BlockCipher, BlockDecryptMut, BlockEncrypt, BlockEncryptMut, KeyInit, KeyIvInit,
};
use aes::{Aes128, Aes192, Aes256, Block};
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// Why an operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Failure {
    /// A spec error, thrown as the DOMException of that name.
    Dom(&'static str, &'static str),
    /// The host's stop check fired during a long loop.
    Interrupted,
}

type Outcome = Result<Vec<u8>, Failure>;

fn operation(message: &'static str) -> Failure {
    Failure::Dom("OperationError", message)
}

/// PBKDF2 asks the stop check once per this many HMAC computations.
const STOP_EVERY: u32 = 4096;

/// A digest algorithm the API registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hash {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// The hash for a normalized (canonical-case) name.
    pub(super) fn from_name(name: &str) -> Option<Self> {
        match name {
            "SHA-1" => Some(Self::Sha1),
            "SHA-256" => Some(Self::Sha256),
            "SHA-384" => Some(Self::Sha384),
            "SHA-512" => Some(Self::Sha512),
            _ => None,
        }
    }
}

/// The digest of `data`.
pub(super) fn digest(hash: Hash, data: &[u8]) -> Vec<u8> {
    match hash {
        Hash::Sha1 => Sha1::digest(data).to_vec(),
        Hash::Sha256 => Sha256::digest(data).to_vec(),
        Hash::Sha384 => Sha384::digest(data).to_vec(),
        Hash::Sha512 => Sha512::digest(data).to_vec(),
    }
}

fn mac_with<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// HMAC of `data` under `key`.
pub(super) fn hmac(hash: Hash, key: &[u8], data: &[u8]) -> Vec<u8> {
    match hash {
        Hash::Sha1 => mac_with::<Hmac<Sha1>>(key, data),
        Hash::Sha256 => mac_with::<Hmac<Sha256>>(key, data),
        Hash::Sha384 => mac_with::<Hmac<Sha384>>(key, data),
        Hash::Sha512 => mac_with::<Hmac<Sha512>>(key, data),
    }
}

/// Whether `signature` is the HMAC of `data`, compared in constant time
/// (a length mismatch is simply false).
pub(super) fn hmac_verify(hash: Hash, key: &[u8], data: &[u8], signature: &[u8]) -> bool {
    use ::subtle::ConstantTimeEq;
    hmac(hash, key, data).ct_eq(signature).into()
}

fn pbkdf2_with<M: Mac + KeyInit + Clone>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
    stop: &dyn Fn() -> bool,
) -> Outcome {
    let prf = <M as KeyInit>::new_from_slice(password).expect("HMAC accepts any key length");
    let mut out = vec![0u8; len];
    // Work is counted in HMAC inputs of about a block each: a long salt
    // costs its length on every output block.
    let mut since_check = 0u64;
    let size = <M as hmac::digest::OutputSizeUser>::output_size();
    let salt_cost = (salt.len() / 64) as u64 + 1;
    for (index, chunk) in out.chunks_mut(size).enumerate() {
        let block = u32::try_from(index + 1).map_err(|_| operation("derived key too long"))?;
        since_check += salt_cost;
        if since_check >= u64::from(STOP_EVERY) {
            since_check = 0;
            if stop() {
                return Err(Failure::Interrupted);
            }
        }
        let mut mac = prf.clone();
        mac.update(salt);
        mac.update(&block.to_be_bytes());
        let mut u = mac.finalize().into_bytes();
        let mut t = u.clone();
        for _ in 1..iterations {
            since_check += 1;
            if since_check >= u64::from(STOP_EVERY) {
                since_check = 0;
                if stop() {
                    return Err(Failure::Interrupted);
                }
            }
            let mut mac = prf.clone();
            mac.update(&u);
            u = mac.finalize().into_bytes();
            t.iter_mut().zip(u.iter()).for_each(|(t, u)| *t ^= u);
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
    Ok(out)
}

/// PBKDF2 (RFC 8018) with HMAC-`hash`, `len` bytes long. Calls `stop` every
/// few thousand HMACs and gives up with [`Failure::Interrupted`] when it
/// returns true.
pub(super) fn pbkdf2(
    hash: Hash,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
    stop: &dyn Fn() -> bool,
) -> Outcome {
    if iterations == 0 {
        return Err(operation("PBKDF2 iterations must not be zero"));
    }
    match hash {
        Hash::Sha1 => pbkdf2_with::<Hmac<Sha1>>(password, salt, iterations, len, stop),
        Hash::Sha256 => pbkdf2_with::<Hmac<Sha256>>(password, salt, iterations, len, stop),
        Hash::Sha384 => pbkdf2_with::<Hmac<Sha384>>(password, salt, iterations, len, stop),
        Hash::Sha512 => pbkdf2_with::<Hmac<Sha512>>(password, salt, iterations, len, stop),
    }
}

/// An AES key schedule of any of the three sizes.
enum Aes {
    A128(Aes128),
    A192(Aes192),
    A256(Aes256),
}

impl Aes {
    fn new(key: &[u8]) -> Result<Self, Failure> {
        let bad = |_| Failure::Dom("DataError", "AES key must be 16, 24 or 32 bytes");
        Ok(match key.len() {
            16 => Self::A128(Aes128::new_from_slice(key).map_err(bad)?),
            24 => Self::A192(Aes192::new_from_slice(key).map_err(bad)?),
            _ => Self::A256(Aes256::new_from_slice(key).map_err(bad)?),
        })
    }

    fn encrypt_blocks(&self, blocks: &mut [Block]) {
        match self {
            Self::A128(c) => c.encrypt_blocks(blocks),
            Self::A192(c) => c.encrypt_blocks(blocks),
            Self::A256(c) => c.encrypt_blocks(blocks),
        }
    }

    fn encrypt_u128(&self, value: u128) -> Block {
        let mut block = Block::from(value.to_be_bytes());
        self.encrypt_blocks(std::slice::from_mut(&mut block));
        block
    }

    /// XORs `data` with the keystream of counter blocks that start at
    /// `counter` and increment only the rightmost `bits` bits (mod 2^bits).
    fn ctr(&self, counter: u128, bits: u32, data: &[u8]) -> Vec<u8> {
        let mask = if bits >= 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        };
        let mut out = Vec::with_capacity(data.len());
        // Batches keep the keystream buffer small while letting the cipher
        // work on several blocks at once.
        let mut index = 0u128;
        for batch in data.chunks(16 * 64) {
            let mut stream: Vec<Block> = (0..batch.len().div_ceil(16))
                .map(|i| {
                    let n = counter.wrapping_add(index + i as u128) & mask;
                    Block::from(((counter & !mask) | n).to_be_bytes())
                })
                .collect();
            index += stream.len() as u128;
            self.encrypt_blocks(&mut stream);
            out.extend(
                batch
                    .iter()
                    .zip(stream.iter().flatten())
                    .map(|(d, k)| d ^ k),
            );
        }
        out
    }
}

fn cbc_encrypt_with<C: BlockEncryptMut + BlockCipher + KeyInit>(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Outcome {
    let enc = cbc::Encryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| operation("AES-CBC iv must be 16 bytes"))?;
    Ok(enc.encrypt_padded_vec_mut::<Pkcs7>(data))
}

fn cbc_decrypt_with<C: BlockDecryptMut + BlockCipher + KeyInit>(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Outcome {
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| operation("AES-CBC iv must be 16 bytes"))?;
    dec.decrypt_padded_vec_mut::<Pkcs7>(data)
        .map_err(|_| operation("AES-CBC decryption failed: bad padding"))
}

/// AES-CBC with PKCS#7 padding.
pub(super) fn aes_cbc(key: &[u8], iv: &[u8], data: &[u8], encrypt: bool) -> Outcome {
    if iv.len() != 16 {
        return Err(operation("AES-CBC iv must be 16 bytes"));
    }
    match (key.len(), encrypt) {
        (16, true) => cbc_encrypt_with::<Aes128>(key, iv, data),
        (24, true) => cbc_encrypt_with::<Aes192>(key, iv, data),
        (_, true) => cbc_encrypt_with::<Aes256>(key, iv, data),
        (16, false) => cbc_decrypt_with::<Aes128>(key, iv, data),
        (24, false) => cbc_decrypt_with::<Aes192>(key, iv, data),
        (_, false) => cbc_decrypt_with::<Aes256>(key, iv, data),
    }
}

/// AES-CTR (encryption and decryption are the same) with a 16-byte counter
/// block whose rightmost `bits` bits count.
pub(super) fn aes_ctr(key: &[u8], counter: &[u8], bits: u32, data: &[u8]) -> Outcome {
    let counter: [u8; 16] = counter
        .try_into()
        .map_err(|_| operation("AES-CTR counter must be 16 bytes"))?;
    if bits == 0 || bits > 128 {
        return Err(operation("AES-CTR length must be 1 to 128 bits"));
    }
    let blocks = data.len().div_ceil(16) as u128;
    if bits < 128 && blocks > 1u128 << bits {
        return Err(operation("AES-CTR counter would wrap around"));
    }
    Ok(Aes::new(key)?.ctr(u128::from_be_bytes(counter), bits, data))
}

/// The GHASH length block: the bit lengths of `a` and `b`, 64 bits each.
fn length_block(a: usize, b: usize) -> Block {
    let bits = |n: usize| (n as u64).wrapping_mul(8);
    Block::from(((u128::from(bits(a)) << 64) | u128::from(bits(b))).to_be_bytes())
}

/// GCM (NIST SP 800-38D) over `text`: returns the CTR output and the full
/// 16-byte tag over `aad` and the ciphertext (`text` when decrypting).
fn gcm(cipher: &Aes, iv: &[u8], aad: &[u8], text: &[u8], encrypt: bool) -> (Vec<u8>, Block) {
    let h = cipher.encrypt_u128(0);
    let j0 = if iv.len() == 12 {
        let mut block = [0u8; 16];
        block[..12].copy_from_slice(iv);
        block[15] = 1;
        u128::from_be_bytes(block)
    } else {
        let mut g = GHash::new(&h);
        g.update_padded(iv);
        g.update(&[length_block(0, iv.len())]);
        u128::from_be_bytes(g.finalize().into())
    };
    let inc32 = (j0 & !u128::from(u32::MAX)) | u128::from((j0 as u32).wrapping_add(1));
    let out = cipher.ctr(inc32, 32, text);
    let ciphertext = if encrypt { &out } else { text };
    let mut g = GHash::new(&h);
    g.update_padded(aad);
    g.update_padded(ciphertext);
    g.update(&[length_block(aad.len(), ciphertext.len())]);
    let mut tag = g.finalize();
    let mask = cipher.encrypt_u128(j0);
    tag.iter_mut().zip(mask.iter()).for_each(|(t, m)| *t ^= m);
    (out, tag)
}

fn gcm_checks(iv: &[u8], tag_len: usize) -> Result<(), Failure> {
    if iv.is_empty() {
        return Err(operation("AES-GCM iv must not be empty"));
    }
    if ![4, 8, 12, 13, 14, 15, 16].contains(&tag_len) {
        return Err(operation(
            "AES-GCM tagLength must be 32, 64 or 96 to 128 bits",
        ));
    }
    Ok(())
}

/// AES-GCM encryption: ciphertext followed by a `tag_len`-byte tag.
pub(super) fn aes_gcm_encrypt(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    tag_len: usize,
    data: &[u8],
) -> Outcome {
    gcm_checks(iv, tag_len)?;
    if data.len() as u64 > (1 << 39) - 256 {
        return Err(operation("AES-GCM plaintext too long"));
    }
    let (mut out, tag) = gcm(&Aes::new(key)?, iv, aad, data, true);
    out.extend_from_slice(&tag[..tag_len]);
    Ok(out)
}

/// AES-GCM decryption of ciphertext followed by a `tag_len`-byte tag;
/// OperationError when the tag does not match (compared in constant time).
pub(super) fn aes_gcm_decrypt(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    tag_len: usize,
    data: &[u8],
) -> Outcome {
    use ::subtle::ConstantTimeEq;
    gcm_checks(iv, tag_len)?;
    let Some(split) = data.len().checked_sub(tag_len) else {
        return Err(operation("AES-GCM ciphertext shorter than its tag"));
    };
    let (text, tag) = data.split_at(split);
    let (out, expected) = gcm(&Aes::new(key)?, iv, aad, text, false);
    if bool::from(expected[..tag_len].ct_eq(tag)) {
        Ok(out)
    } else {
        Err(operation("AES-GCM decryption failed: tag mismatch"))
    }
}
