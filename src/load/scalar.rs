//! What a plain scalar is under the YAML 1.2 core schema (null, boolean,
//! integer, float or text).
//!
//! Self-contained on purpose: `build.rs` reads the embedded rule packs and
//! reference data with this same module (`#[path]`), so the trees it
//! stores type their scalars exactly as the loader does.

/// A plain scalar's type and value; `Str` means the text as written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

/// Resolves a plain (unquoted, non-block) scalar by the core schema.
pub fn resolve_plain(text: &str) -> Scalar {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Scalar::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Scalar::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Scalar::Float(f64::NAN),
        _ => {}
    }
    if let Some(int) = parse_core_int(text) {
        return int;
    }
    if is_core_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Scalar::Float(f);
    }
    Scalar::Str
}

fn parse_core_int(text: &str) -> Option<Scalar> {
    let bytes = text.as_bytes();
    if let Some(oct) = text.strip_prefix("0o") {
        if !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return Some(i64::from_str_radix(oct, 8).map_or(Scalar::Str, Scalar::Int));
        }
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(i64::from_str_radix(hex, 16).map_or(Scalar::Str, Scalar::Int));
        }
        return None;
    }
    let digits = match bytes.first() {
        Some(b'-' | b'+') => &text[1..],
        _ => text,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match text.parse::<i64>() {
        Ok(i) => Scalar::Int(i),
        Err(_) => Scalar::Float(text.parse::<f64>().unwrap_or(f64::INFINITY)),
    })
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(text: &str) -> bool {
    let mut rest = text.strip_prefix(['-', '+']).unwrap_or(text);
    let int_digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    rest = &rest[int_digits..];
    if let Some(after) = rest.strip_prefix('.') {
        let frac_digits = after.bytes().take_while(u8::is_ascii_digit).count();
        rest = &after[frac_digits..];
        if int_digits == 0 && frac_digits == 0 {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if let Some(exp) = rest.strip_prefix(['e', 'E']) {
        let exp = exp.strip_prefix(['-', '+']).unwrap_or(exp);
        return !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit());
    }
    rest.is_empty()
}
