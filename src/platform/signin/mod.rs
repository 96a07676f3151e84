//! What the OAuth sign-ins of X and LinkedIn share: the loopback redirect or a pasted code
//! with its anti-forgery state and PKCE ([`loopback`]), and the private token file, replaced
//! whole and refreshed under a lock ([`token_file`]).

pub mod loopback;
pub mod token_file;
