//! The one duration grammar every flag uses (`--timeout`, `--interval`, `--since`, …), so that
//! `500ms` or `1d` means the same to every operator.
//!
//! A duration is one or more `<number><unit>` terms, as Go's `time.ParseDuration` (and so
//! kubectl) writes them: `500ms`, `90s`, `1.5m`, `1h30m`, `2d`. Units: `ms`, `s`, `m`, `h`,
//! `d`. A bare number is seconds. Zero, negative and absurd (over 100 years) durations are
//! refused: every flag that takes one means "wait this long", and none of them means "never".

use std::time::Duration;

const EXAMPLES: &str = "e.g. 500ms, 90s, 5m, 1h30m, 2d";
const MAX_SECS: f64 = 100.0 * 365.0 * 86_400.0;

/// Parses a duration; the error is a complete sentence that names the input, for a clap
/// `value_parser` or a config value.
pub fn parse(input: &str) -> Result<Duration, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("`{input}` is not a duration ({EXAMPLES})"));
    }
    // A bare number is seconds.
    if let Ok(n) = s.parse::<f64>() {
        return finish(input, n);
    }
    let mut total = 0.0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (num, after) = rest.split_at(digits);
        let unit_len = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let n: f64 = num.parse().map_err(|_| format!("`{input}` is not a duration ({EXAMPLES})"))?;
        let scale = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3_600.0,
            "d" => 86_400.0,
            "" => return Err(format!("`{input}` needs a unit after `{num}` (ms, s, m, h or d; {EXAMPLES})")),
            other => return Err(format!("unknown unit `{other}` in duration `{input}` (use ms, s, m, h or d; {EXAMPLES})")),
        };
        total += n * scale;
        rest = next;
    }
    finish(input, total)
}

fn finish(input: &str, secs: f64) -> Result<Duration, String> {
    if !secs.is_finite() || secs <= 0.0 {
        return Err(format!("`{input}` must be a positive duration ({EXAMPLES})"));
    }
    if secs > MAX_SECS {
        return Err(format!("`{input}` is longer than 100 years"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Formats a duration the way [`parse`] reads it back (`1h30m`, `500ms`, `2.5s`).
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return format!("{}ms", d.as_secs_f64() * 1000.0);
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    if !ms.is_multiple_of(1000) {
        return format!("{}s", d.as_secs_f64());
    }
    let mut secs = d.as_secs();
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_and_combinations() {
        let ok = [
            ("500ms", 0.5),
            ("2s", 2.0),
            ("1.5s", 1.5),
            ("90", 90.0),
            ("0.25", 0.25),
            ("5m", 300.0),
            ("1h", 3_600.0),
            ("1d", 86_400.0),
            ("1h30m", 5_400.0),
            ("1m30s", 90.0),
            (" 2s ", 2.0),
        ];
        for (input, secs) in ok {
            assert_eq!(parse(input), Ok(Duration::from_secs_f64(secs)), "{input}");
        }
    }

    #[test]
    fn bad_durations_say_why() {
        for (input, needle) in [
            ("", "is not a duration"),
            ("abc", "is not a duration"),
            ("5x", "unknown unit `x`"),
            ("5 minutes", "unknown unit ` minutes`"),
            ("0s", "must be a positive"),
            ("0", "must be a positive"),
            ("-1s", "is not a duration"),
            ("1h30", "needs a unit after `30`"),
            ("999999999999d", "longer than 100 years"),
            ("1..2s", "is not a duration"),
            ("NaN", "must be a positive"),
            ("inf", "must be a positive"),
        ] {
            let err = parse(input).unwrap_err();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
    }

    #[test]
    fn format_round_trips() {
        for input in ["500ms", "2s", "1.5s", "5m", "1h30m", "2d", "1d1h1m1s"] {
            let d = parse(input).unwrap();
            assert_eq!(parse(&format(d)).unwrap(), d, "{input}");
        }
        assert_eq!(format(Duration::from_secs(5_400)), "1h30m");
    }
}
