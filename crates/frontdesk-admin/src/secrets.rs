//! Secrets come from the environment or a terminal prompt, never from argv (which other
//! users of the PC can read in the process list).

use frontdesk_core::{Error, Secret};

fn from_env_or_prompt(var: &str, prompt: &str, confirm: bool) -> Result<Secret, Error> {
    if let Ok(v) = std::env::var(var) {
        return Ok(Secret::new(v));
    }
    let missing = || Error::Io(format!("set {var} or run in a terminal to be asked for it"));
    let first = rpassword::prompt_password(prompt).map_err(|_| missing())?;
    if confirm {
        let again = rpassword::prompt_password("Again, to confirm: ").map_err(|_| missing())?;
        if again != first {
            return Err(Error::Io(
                "the two entries differ; nothing was changed".into(),
            ));
        }
    }
    Ok(Secret::new(first))
}

pub fn passphrase() -> Result<Secret, Error> {
    from_env_or_prompt("FRONTDESK_PASSPHRASE", "Recovery passphrase: ", false)
}

pub fn new_passphrase() -> Result<Secret, Error> {
    from_env_or_prompt(
        "FRONTDESK_PASSPHRASE",
        "Choose the clinic's recovery passphrase (12+ characters): ",
        true,
    )
}

pub fn replacement_passphrase() -> Result<Secret, Error> {
    from_env_or_prompt(
        "FRONTDESK_NEW_PASSPHRASE",
        "New recovery passphrase (12+ characters): ",
        true,
    )
}

pub fn admin_password() -> Result<Secret, Error> {
    from_env_or_prompt("FRONTDESK_ADMIN_PASSWORD", "First admin's password: ", true)
}

pub fn desk_token() -> Result<Secret, Error> {
    from_env_or_prompt(
        "FRONTDESK_DESK_TOKEN",
        "Desk token (from `frontdesk-relay site add`): ",
        false,
    )
}

pub fn staff_password() -> Result<Secret, Error> {
    from_env_or_prompt(
        "FRONTDESK_STAFF_PASSWORD",
        "Staff member's password: ",
        true,
    )
}

/// Demo logins are for trying the app out, so a fixed default is fine.
pub fn demo_password() -> Secret {
    Secret::new(
        std::env::var("FRONTDESK_DEMO_PASSWORD").unwrap_or_else(|_| "frontdesk-demo".into()),
    )
}
