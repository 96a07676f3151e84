//! Record keys (TIDs) derived from the outbox idempotency key, so a retried reply writes
//! the same rkey and `getRecord` can tell whether the first attempt landed.

/// The base32-sortable alphabet of TIDs.
const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

/// 2015-01-01T00:00:00Z in microseconds: derived TIDs fall between here and late 2023,
/// always in the past, so they never claim a future time.
const BASE_MICROS: u64 = 1_420_070_400_000_000;

/// FNV-1a: stable across Rust versions and runs (std's hasher is neither promised).
fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The TID for `key`: the same key always gives the same 13-character TID.
pub fn from_key(key: &str) -> String {
    let micros = BASE_MICROS + (fnv1a(0, key.as_bytes()) & ((1 << 48) - 1));
    let clock = fnv1a(0x9e37_79b9_7f4a_7c15, key.as_bytes()) & 0x3ff;
    encode((micros << 10) | clock)
}

fn encode(mut value: u64) -> String {
    value &= !(1 << 63);
    let mut out = [b'2'; 13];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    String::from_utf8(out.to_vec()).expect("the alphabet is ASCII")
}

/// Whether `s` has the TID syntax the PDS checks.
pub fn is_valid(s: &str) -> bool {
    s.len() == 13
        && s.bytes().all(|b| ALPHABET.contains(&b))
        && b"234567abcdefghij".contains(&s.as_bytes()[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_tid_and_valid_syntax() {
        let a = from_key("outbox-17-reply");
        assert_eq!(a, from_key("outbox-17-reply"));
        assert_ne!(a, from_key("outbox-18-reply"));
        assert!(is_valid(&a), "{a}");
        for i in 0..1000 {
            let t = from_key(&format!("k{i}"));
            assert!(is_valid(&t), "{t}");
        }
    }

    #[test]
    fn encodes_known_value() {
        // 0 is all '2'; 31 ends in 'z'.
        assert_eq!(encode(0), "2222222222222");
        assert_eq!(encode(31), "222222222222z");
    }
}
