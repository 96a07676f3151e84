//! The inbox: the window of list rows kept around the cursor ([`list`]) and the list
//! pane that draws it ([`view`]).

pub mod list;
pub mod sla;
pub mod view;
