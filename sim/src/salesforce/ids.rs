//! Salesforce record ids: a 3-char key prefix, a pod, a base-62 counter, and a 3-char suffix
//! that encodes which of the first 15 characters are upper case (so that case-insensitive
//! tools can still tell ids apart).

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The org's pod: two characters after the key prefix, then a reserved `0`.
const POD: &str = "5g0";

/// The 3-character case checksum of a 15-character id.
pub fn checksum(id15: &str) -> String {
    id15.as_bytes()
        .chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            SUFFIX[bits] as char
        })
        .collect()
}

/// The 18-character id for the `n`th record with `prefix`.
pub fn make(prefix: &str, n: u64) -> String {
    let mut counter = [b'0'; 9];
    let mut rest = n;
    for slot in counter.iter_mut().rev() {
        *slot = BASE62[(rest % 62) as usize];
        rest /= 62;
    }
    let mut id = String::with_capacity(18);
    id.push_str(prefix);
    id.push_str(POD);
    id.push_str(std::str::from_utf8(&counter).expect("base62 is ascii"));
    let sum = checksum(&id);
    id.push_str(&sum);
    id
}

/// The 18-character form of a 15- or 18-character id, `None` if it is not an id at all.
pub fn to18(id: &str) -> Option<String> {
    if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    match id.len() {
        15 => Some(format!("{id}{}", checksum(id))),
        18 => {
            // The suffix is case-insensitive; normalise it so lookups match.
            let (head, _) = id.split_at(15);
            Some(format!("{head}{}", checksum(head)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_real_ids() {
        // Ids copied from Salesforce documentation and recorded responses.
        assert_eq!(to18("001D000000IqhSL").unwrap(), "001D000000IqhSLIAZ");
        assert_eq!(to18("003q000000KvQ1t").unwrap(), "003q000000KvQ1tAAF");
        assert_eq!(to18("a00D0000008pQRA").unwrap(), "a00D0000008pQRAIA2");
        assert_eq!(to18("012000000000000").unwrap(), "012000000000000AAA");
    }

    #[test]
    fn made_ids_are_18_chars_with_prefix_and_valid_checksum() {
        let id = make("003", 12345);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("0035g0"));
        assert_eq!(to18(&id[..15]).unwrap(), id);
        assert_ne!(make("003", 1), make("003", 2));
        assert!(to18("bad id!").is_none());
    }
}
