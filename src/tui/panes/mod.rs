pub mod composer;
pub mod moderation;
