//! The one pseudo-random input generator of the `@packages` robustness and fuzz-smoke tests:
//! xorshift64*, seeded by the test, so a failure reproduces from the seed the test names.
//! Inputs are grammar-biased: strings glued from pieces of the grammar under test.
//!
//! ```
//! let mut rng = tusk_rng::Rng::new(0x5eed_0001);
//! let s = rng.string(&["1", ".", "-", "a"], 8);
//! assert!(s.len() <= 8);
//! ```

/// A tiny deterministic generator (xorshift64*). Not for anything but test inputs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator with this seed. A zero seed would only ever yield zero, so it is replaced
    /// by a fixed non-zero one.
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// The next 64 pseudo-random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A string of up to `max` pieces drawn from `pieces`.
    pub fn string(&mut self, pieces: &[&str], max: usize) -> String {
        let n = self.below(max + 1);
        (0..n).map(|_| pieces[self.below(pieces.len())]).collect()
    }
}

/// Pieces common to version and requirement grammars (digits, separators, operators,
/// prerelease words, whitespace and a few non-ASCII traps), for tests that throw mixed
/// input at a parser.
pub const VERSION_PIECES: &[&str] = &[
    "0", "1", "2", "9", "10", "01", "00", "18446744073709551616", "9007199254740992", ".", ".", ".", "-", "+", "*", "x", "X", "^", "~", "~>",
    "~=", "<", ">", "=", "==", "!=", "===", "<=", ">=", ",", ", ", " ", "  ", "||", " - ", "v", "V", "a", "b", "c", "rc", "alpha", "beta",
    "pre", "preview", "post", "rev", "r", "dev", "local", "!", "_", "\t", ".*", "é", "\u{130}", "\u{feff}", "\u{a0}",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_inputs() {
        let inputs = |seed| {
            let mut rng = Rng::new(seed);
            (0..50).map(|_| rng.string(VERSION_PIECES, 11)).collect::<Vec<_>>()
        };
        assert_eq!(inputs(7), inputs(7));
        assert_ne!(inputs(7), inputs(8));
        // The sequence the robustness tests' recorded seeds stand for.
        let mut r = Rng::new(0x5eed_0001);
        assert_eq!(r.next_u64(), {
            let mut x: u64 = 0x5eed_0001;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        });
        assert_ne!(Rng::new(0).next_u64(), 0);
    }
}
