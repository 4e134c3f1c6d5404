//! Field checks shared by every request. Each failure names the field and carries a stable
//! code; nothing is written when any check fails.

use chrono::NaiveDate;
use std::str::FromStr;

use crate::error::{Error, Result};

pub const MAX_NAME: usize = 200;
pub const MAX_NOTES: usize = 10_000;
pub const MAX_ADDRESS: usize = 500;
pub const MAX_EMAIL: usize = 254;
pub const MAX_PHONES: usize = 5;
pub const MAX_PHONE_CHARS: usize = 32;
pub const MAX_LOGIN: usize = 64;
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Trims, checks length, refuses control characters (newlines only where `multiline`).
pub(crate) fn text(field: &str, value: &str, max: usize, multiline: bool) -> Result<String> {
    let v = value.trim();
    let len = v.chars().count();
    if len > max {
        return Err(Error::invalid(
            field,
            "validation.too_long",
            format!("at most {max} characters ({len} given)"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
    {
        return Err(Error::invalid(
            field,
            "validation.control_chars",
            "contains control characters",
        ));
    }
    Ok(v.to_string())
}

pub(crate) fn required(field: &str, value: &str, max: usize) -> Result<String> {
    let v = text(field, value, max, false)?;
    if v.is_empty() {
        return Err(Error::invalid(field, "validation.required", "is required"));
    }
    Ok(v)
}

pub(crate) fn optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => {
            let v = text(field, v, max, false)?;
            Ok((!v.is_empty()).then_some(v))
        }
    }
}

/// Returns (as entered, normalized for matching).
pub(crate) fn email(field: &str, value: Option<&str>) -> Result<Option<(String, String)>> {
    let Some(v) = optional(field, value, MAX_EMAIL)? else {
        return Ok(None);
    };
    let parsed = email_address::EmailAddress::from_str(&v)
        .map_err(|_| Error::invalid(field, "validation.email", "is not a valid email address"))?;
    if !parsed.domain().contains('.') {
        return Err(Error::invalid(
            field,
            "validation.email",
            "is not a valid email address",
        ));
    }
    let norm = v.to_lowercase();
    Ok(Some((v, norm)))
}

/// A parsed phone number: as the person typed it (tidied) and in E.164.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub display: String,
    pub e164: String,
    /// The national number with its trunk prefix, digits only ("012345678"), for search.
    pub national_digits: String,
}

pub(crate) fn region(value: &str) -> Result<phonenumber::country::Id> {
    phonenumber::country::Id::from_str(&value.trim().to_ascii_uppercase()).map_err(|_| {
        Error::invalid(
            "phone_region",
            "validation.region",
            "is not a two-letter country code",
        )
    })
}

pub(crate) fn phone(field: &str, value: &str, region: phonenumber::country::Id) -> Result<Phone> {
    let v = text(field, value, MAX_PHONE_CHARS, false)?;
    let folded = crate::search::fold_digits(&v);
    let bad = || Error::invalid(field, "validation.phone", "is not a valid phone number");
    let number = phonenumber::parse(Some(region), &folded).map_err(|_| bad())?;
    if !number.is_valid() {
        return Err(bad());
    }
    let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
    let national_digits = number
        .format()
        .mode(phonenumber::Mode::National)
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    Ok(Phone {
        display: v,
        e164,
        national_digits,
    })
}

pub(crate) fn phones(
    field: &str,
    values: &[String],
    region: phonenumber::country::Id,
) -> Result<Vec<Phone>> {
    if values.len() > MAX_PHONES {
        return Err(Error::invalid(
            field,
            "validation.too_many",
            format!("at most {MAX_PHONES} phone numbers"),
        ));
    }
    let mut out: Vec<Phone> = Vec::new();
    for v in values.iter().filter(|v| !v.trim().is_empty()) {
        let p = phone(field, v, region)?;
        if !out.iter().any(|o| o.e164 == p.e164) {
            out.push(p);
        }
    }
    Ok(out)
}

pub(crate) fn date_of_birth(
    value: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Option<NaiveDate>> {
    match value {
        Some(d) if d > today => Err(Error::invalid(
            "date_of_birth",
            "validation.date_in_future",
            "is in the future",
        )),
        Some(d) if d < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() => Err(Error::invalid(
            "date_of_birth",
            "validation.date_too_old",
            "is before 1900",
        )),
        other => Ok(other),
    }
}

/// A BCP 47 language tag in its common shapes: "km", "vi", "ar", "en-GB", "zh-Hant-TW".
pub(crate) fn language(value: Option<&str>) -> Result<Option<String>> {
    let Some(v) = optional("preferred_language", value, 35)? else {
        return Ok(None);
    };
    let mut parts = v.split('-');
    let primary = parts.next().unwrap_or("");
    let ok = (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !ok {
        return Err(Error::invalid(
            "preferred_language",
            "validation.language",
            "is not a language tag such as km, vi, ar or en",
        ));
    }
    Ok(Some(v.to_ascii_lowercase()))
}

pub(crate) fn time_zone(value: &str) -> Result<chrono_tz::Tz> {
    value.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        Error::invalid(
            "time_zone",
            "validation.time_zone",
            "is not a time zone such as Asia/Phnom_Penh",
        )
    })
}

pub(crate) fn password(field: &str, value: &str) -> Result<()> {
    let n = value.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(
            field,
            "validation.password_too_short",
            format!("needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(Error::invalid(
            field,
            "validation.too_long",
            format!("at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Logins are lower-case letters, digits and . _ - so they read the same on every keyboard.
pub(crate) fn login(value: &str) -> Result<String> {
    let v = value.trim().to_lowercase();
    let ok = !v.is_empty()
        && v.chars().count() <= MAX_LOGIN
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-');
    if !ok {
        return Err(Error::invalid(
            "login",
            "validation.login",
            format!("use 1 to {MAX_LOGIN} letters a-z, digits, '.', '_' or '-'"),
        ));
    }
    Ok(v)
}

pub(crate) fn in_range(field: &str, value: i64, lo: i64, hi: i64) -> Result<i64> {
    if !(lo..=hi).contains(&value) {
        return Err(Error::invalid(
            field,
            "validation.out_of_range",
            format!("must be between {lo} and {hi}"),
        ));
    }
    Ok(value)
}
