//! `hark account add`: sign in to a platform and print the config block.

use super::{runtime, AddPlatform};

pub fn add_account(platform: AddPlatform, data_dir: &std::path::Path) -> anyhow::Result<()> {
    use crate::platform::mastodon::setup;
    let (instance, name, personal_token) = match platform {
        AddPlatform::Mastodon {
            instance,
            name,
            personal_token,
        } => (instance, name, personal_token),
        AddPlatform::Bluesky(args) => return add_bluesky_account(&args),
    };
    let method = if personal_token {
        setup::AuthMethod::PersonalToken
    } else {
        setup::AuthMethod::OAuth
    };
    runtime()?.block_on(setup::add_account(
        &instance,
        name.as_deref(),
        method,
        data_dir,
        &mut setup::Stdin,
        &mut std::io::stdout(),
    ))
}

pub fn add_bluesky_account(args: &crate::platform::bluesky::setup::AddArgs) -> anyhow::Result<()> {
    let block = runtime()?.block_on(crate::platform::bluesky::setup::add(args))?;
    print!("{block}");
    Ok(())
}
