//! hark: a terminal-first, local-first unified social inbox.
