//! The connector contract kit (README "The connector contract kit"): every connector passes the same cases,
//! driven through its real client against a local server speaking its platform's wire
//! format, into a real store.
//!
//! A connector joins by writing one adapter (`contract/<platform>.rs`: [`harness::Platform`]
//! and, for a connector over HTTP, [`harness::Scripted`]) and adding a `kit!` line below.
//! Every case runs for every connector listed; none is skipped.

#[path = "contract/bluesky.rs"]
mod bluesky_adapter;
#[path = "contract/demo.rs"]
mod demo_adapter;
#[path = "contract/discord.rs"]
mod discord_adapter;
#[path = "contract/harness.rs"]
mod harness;
#[path = "contract/ingest_cases.rs"]
mod ingest_cases;
#[path = "contract/linkedin.rs"]
mod linkedin_adapter;
#[path = "contract/mastodon.rs"]
mod mastodon_adapter;
#[path = "contract/matrix.rs"]
mod matrix_adapter;
#[path = "contract/meta.rs"]
mod meta_adapter;
#[path = "contract/outbox_cases.rs"]
mod outbox_cases;
#[path = "contract/slack.rs"]
mod slack_adapter;
#[path = "contract/x.rs"]
mod x_adapter;

/// `kit!(module: Adapter; cases…)`: one test per case, run for that adapter.
macro_rules! kit {
    ($module:ident: $platform:ty; $( $(#[$meta:meta])* $case:ident ),* $(,)?) => {
        mod $module {
            $(
                $(#[$meta])*
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::cases::$case::<$platform>().await
                }
            )*
        }
    };
}

/// `full_kit!(module: Adapter)`: every case, for a connector that talks HTTP.
macro_rules! full_kit {
    ($module:ident: $platform:ty) => {
        kit!($module: $platform;
            page_boundaries,
            restart_mid_page,
            backdated_items,
            malformed_record,
            rate_limits,
            refused_moderation,
            refused_moderation_is_undone,
            crash_mid_send_reply,
            crash_mid_send_moderation,
            unreadable_success,
            two_processes_send_each_row_once,
            second_process_leaves_in_flight_rows,
        );
    };
}

mod cases {
    pub use crate::ingest_cases::*;
    pub use crate::outbox_cases::*;
}

full_kit!(mastodon: crate::mastodon_adapter::Mastodon);

full_kit!(bluesky: crate::bluesky_adapter::Bluesky);

full_kit!(matrix: crate::matrix_adapter::Matrix);

full_kit!(facebook: crate::meta_adapter::Facebook);

full_kit!(x: crate::x_adapter::X);

full_kit!(instagram: crate::meta_adapter::Instagram);

full_kit!(linkedin: crate::linkedin_adapter::LinkedIn);
full_kit!(discord: crate::discord_adapter::Discord);
full_kit!(slack: crate::slack_adapter::Slack);

// The demo has no HTTP: it passes the outbox cases.
kit!(demo: crate::demo_adapter::Demo;
    crash_mid_send_reply,
    crash_mid_send_moderation,
    two_processes_send_each_row_once,
    second_process_leaves_in_flight_rows,
);
