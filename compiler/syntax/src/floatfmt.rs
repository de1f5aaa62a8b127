//! Printing floats the way Fluent (R7RS) writes them.
//!
//! The digits are the shortest that read back to the same f64 (Rust's `{:e}`
//! formatting gives exactly those); the layout is JavaScript's
//! `Number.prototype.toString`, except that a positional result always gets
//! a `.0` so that a float never prints like an integer, and the special
//! values use the R7RS spellings `+inf.0`, `-inf.0`, `+nan.0`.

/// The printed form of `x`: `3.0`, `0.1`, `-0.0`, `1e+21`, `1.5e-7`, `+inf.0`.
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        return "+nan.0".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+inf.0" } else { "-inf.0" }.to_string();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    // `{:e}` of a finite non-zero value is `d[.ddd]e[-]n`.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exp: i64 = exp.parse().unwrap_or(0);
    let k = digits.len() as i64;
    // The decimal point sits after the first `n` digits (JS's notation).
    let n = exp + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}.0", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let exp_sign = if n - 1 < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        format!("{first}{dot}{rest}e{exp_sign}{}", (n - 1).abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::format_float;

    #[test]
    fn specials() {
        assert_eq!(format_float(f64::NAN), "+nan.0");
        assert_eq!(format_float(-f64::NAN), "+nan.0");
        assert_eq!(format_float(f64::INFINITY), "+inf.0");
        assert_eq!(format_float(f64::NEG_INFINITY), "-inf.0");
        assert_eq!(format_float(0.0), "0.0");
        assert_eq!(format_float(-0.0), "-0.0");
    }

    #[test]
    fn positional() {
        let cases: &[(f64, &str)] = &[
            (3.0, "3.0"),
            (-3.0, "-3.0"),
            (2.5, "2.5"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.0 / 3.0, "0.3333333333333333"),
            (2.0 / 3.0, "0.6666666666666666"),
            (123.456, "123.456"),
            (-123.456, "-123.456"),
            (1e10, "10000000000.0"),
            (1e20, "100000000000000000000.0"),
            (1.5e20, "150000000000000000000.0"),
            (123456789012345680000.0, "123456789012345680000.0"),
            (0.000001, "0.000001"),
            (0.0000015, "0.0000015"),
            (1.7e-6, "0.0000017"),
            (9007199254740993.0, "9007199254740992.0"),
            (4.35, "4.35"),
            (1.0, "1.0"),
            (-1.5, "-1.5"),
            (std::f64::consts::PI, "3.141592653589793"),
        ];
        for &(x, want) in cases {
            assert_eq!(format_float(x), want, "{x:?}");
        }
    }

    #[test]
    fn exponent_form() {
        let cases: &[(f64, &str)] = &[
            (1e21, "1e+21"),
            (-1e21, "-1e+21"),
            (1.2345e25, "1.2345e+25"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (-1e-10, "-1e-10"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (1e100, "1e+100"),
        ];
        for &(x, want) in cases {
            assert_eq!(format_float(x), want, "{x:?}");
        }
    }

    #[test]
    fn always_has_point_or_exponent_and_reads_back() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let below = |x: f64| f64::from_bits(x.to_bits() - 1);
        // The neighbours of the layout thresholds switch layout exactly there.
        assert_eq!(format_float(below(1e-7)), "9.999999999999998e-8");
        assert_eq!(format_float(below(1e21)), "999999999999999900000.0");
        let mut samples = vec![1e-7, below(1e-7), 1e21, below(1e21)];
        for _ in 0..5000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            samples.push(f64::from_bits(seed));
        }
        for x in samples.into_iter().filter(|x| x.is_finite()) {
            let s = format_float(x);
            assert!(s.contains('.') || s.contains('e'), "{s}");
            let back: f64 = s.parse().unwrap();
            assert_eq!(back.to_bits(), x.to_bits(), "{s}");
            // Shortest: as short as Rust's own shortest round-trip digits.
            let rust_digits = format!("{:e}", x.abs());
            let sig = |t: &str| {
                let m = t.split(['e']).next().unwrap_or("");
                m.trim_start_matches(['-', '0', '.'])
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>()
                    .trim_end_matches('0')
                    .to_string()
            };
            assert_eq!(sig(&s), sig(&rust_digits), "{s} vs {rust_digits}");
        }
    }
}
