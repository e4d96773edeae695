//! IP address literals in a base URL's host, checked exactly as the standard library's
//! `Ipv4Addr` and `Ipv6Addr` parsers (`FromStr`) accept them, without those parsers.
//!
//! Why not `str::parse::<Ipv4Addr>()`: the host check needs only "is it an address", and
//! std's parser (generic over the integer types, with its atomic-rollback reader) is 3.7 KB of
//! wasm before wasm-opt for a check made once per call's arguments; this is the same
//! algorithm on bytes, in 1.5 KB. The unit tests compare both, over every short
//! string of an alphabet of address pieces and 200 000 longer ones.

/// Whether `text` is a dotted-quad IPv4 address as `Ipv4Addr::from_str` accepts it: four
/// decimal octets of 1 to 3 digits, each at most 255, without a leading zero (`0` itself is
/// fine), separated by dots, nothing else.
pub fn is_ipv4(text: &str) -> bool {
    is_dotted_quad(text, false)
}

/// Whether `text` is a dotted quad as [`is_ipv4`] reads it, except that with `leading_zeros`
/// an octet may have them (`127.000.000.001`, up to 3 digits still).
pub fn is_dotted_quad(text: &str, leading_zeros: bool) -> bool {
    let mut reader = Reader(text.as_bytes());
    reader.ipv4(leading_zeros) && reader.0.is_empty()
}

/// Whether `text` is an IPv6 address as `Ipv6Addr::from_str` accepts it: eight groups of 1
/// to 4 hex digits, or fewer around one `::`, the last two groups possibly written as a
/// dotted quad (`::ffff:1.2.3.4`).
pub fn is_ipv6(text: &str) -> bool {
    let mut reader = Reader(text.as_bytes());
    reader.ipv6() && reader.0.is_empty()
}

/// The text not read yet. Every reading step either succeeds and moves on, or fails and
/// leaves the reader where it was (as std's `read_atomically` does).
#[derive(Clone, Copy)]
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    /// Reads `byte`.
    fn given(&mut self, byte: u8) -> bool {
        match self.0.split_first() {
            Some((first, rest)) if *first == byte => {
                self.0 = rest;
                true
            }
            _ => false,
        }
    }

    /// Reads a number of at most `max_digits` digits in `radix` (10 or 16) up to `max`;
    /// with `zero_prefix` false, a number of more than one digit must not start with `0`.
    fn number(&mut self, radix: u32, max_digits: usize, zero_prefix: bool, max: u32) -> bool {
        let mut value = 0u32;
        let mut count = 0usize;
        let leading_zero = self.0.first() == Some(&b'0');
        let mut rest = self.0;
        while let Some((digit, tail)) = rest
            .split_first()
            .and_then(|(b, tail)| Some((char::from(*b).to_digit(radix)?, tail)))
        {
            value = value * radix + digit;
            count += 1;
            if count > max_digits {
                return false;
            }
            rest = tail;
        }
        let ok = count > 0 && (zero_prefix || !leading_zero || count == 1) && value <= max;
        if ok {
            self.0 = rest;
        }
        ok
    }

    /// Reads a dotted quad (its octets with leading zeros only when `leading_zeros`).
    fn ipv4(&mut self, leading_zeros: bool) -> bool {
        let mut reader = *self;
        for index in 0..4 {
            let separated = index == 0 || reader.given(b'.');
            if !(separated && reader.number(10, 3, leading_zeros, 255)) {
                return false;
            }
        }
        *self = reader;
        true
    }

    /// Reads the group number `index` of a run: its `:` separator (after the first), then a
    /// dotted quad when `ipv4` (counting as two groups), or 1 to 4 hex digits.
    fn group(&mut self, index: usize, ipv4: bool) -> bool {
        let mut reader = *self;
        let read = (index == 0 || reader.given(b':'))
            && if ipv4 {
                reader.ipv4(false)
            } else {
                reader.number(16, 4, true, 0xFFFF)
            };
        if read {
            *self = reader;
        }
        read
    }

    /// Reads at most `limit` groups; returns how many were read and whether the last ones
    /// were a dotted quad (which ends the run).
    fn groups(&mut self, limit: usize) -> (usize, bool) {
        for index in 0..limit {
            // A dotted quad needs room for two groups.
            if index + 1 < limit && self.group(index, true) {
                return (index + 2, true);
            }
            if !self.group(index, false) {
                return (index, false);
            }
        }
        (limit, false)
    }

    /// Reads an IPv6 address: eight groups, or a head, `::` and a tail of fewer in all.
    fn ipv6(&mut self) -> bool {
        let mut reader = *self;
        let (head, head_ipv4) = reader.groups(8);
        if head < 8 {
            // A dotted quad only ends an address; the `::` must stand for at least one group.
            if head_ipv4 || !(reader.given(b':') && reader.given(b':')) {
                return false;
            }
            reader.groups(8 - (head + 1));
        }
        *self = reader;
        true
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn agree(text: &str) {
        assert_eq!(
            is_ipv4(text),
            text.parse::<Ipv4Addr>().is_ok(),
            "IPv4 {text:?}"
        );
        assert_eq!(
            is_ipv6(text),
            text.parse::<Ipv6Addr>().is_ok(),
            "IPv6 {text:?}"
        );
    }

    #[test]
    fn known_addresses_and_near_misses() {
        for text in [
            "127.0.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "256.0.0.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.",
            "1.2.3.4.5",
            "1..3.4",
            "1.2.3.0004",
            "",
            "::",
            "::1",
            "1::",
            "1::2",
            "0:0:0:0:0:0:0:1",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::",
            "::1:2:3:4:5:6:7",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6::7:8",
            ":::",
            "1:::2",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "1.2.3.4::",
            "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4",
            "1:2:3:4:5::1.2.3.4",
            "fffff::",
            "FFFF::ffff",
            "00000::",
            "0000::",
            "g::",
            ":1::",
            "1::2::3",
            "::ffff:01.2.3.4",
        ] {
            agree(text);
        }
    }

    #[test]
    fn every_short_string_of_address_pieces() {
        let alphabet = [b'0', b'1', b'9', b'f', b':', b'.'];
        let mut text = Vec::new();
        for length in 0..=7 {
            let total = alphabet.len().pow(length);
            for mut n in 0..total {
                text.clear();
                for _ in 0..length {
                    text.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                agree(std::str::from_utf8(&text).unwrap_or_default());
            }
        }
    }

    #[test]
    fn many_longer_strings_of_address_pieces() {
        let pieces = [
            "0", "1", "00", "01", "ff", "FFFF", "fffff", "255", "256", "1.2.3.4", "10.0.0.1", ":",
            "::", ".", "x", "12345",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(state >> 33).unwrap_or(0)
        };
        for _ in 0..200_000 {
            let count = next() % 18;
            let text: String = (0..count).map(|_| pieces[next() % pieces.len()]).collect();
            agree(&text);
        }
    }
}
