pub mod composer;
