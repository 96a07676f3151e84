//! The pure update: keys in, state and effects out.
