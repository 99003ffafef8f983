//! Pure parsers for the kernel's text interfaces. No I/O here: every function takes the text
//! and returns typed data, so each can be tested on fixture text from any machine.

pub mod caps;
pub mod cgroup;
pub mod misc;
pub mod mountinfo;
pub mod status;

pub use caps::{cap_names, decode_capset};
pub use cgroup::*;
pub use misc::*;
pub use mountinfo::{parse_mountinfo, unescape_octal};
pub use status::{parse_limits_file, parse_status, ProcLimit, Status};
