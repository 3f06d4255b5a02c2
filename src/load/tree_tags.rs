//! The node tags of the trees `build.rs` writes for the shipped YAML and
//! `embedded.rs` reads: one definition for the writer and the reader
//! (`build.rs` includes this file by `#[path]`).
//!
//! A node is its tag byte, the byte offsets where it starts and ends (u32,
//! little-endian), then its payload: an i64 or an f64's bits (INT, FLOAT),
//! a string (u32 length, then UTF-8), or a child count (u32) and the
//! children (SEQ, MAP); a mapping's entry is its key (a string, then the
//! key's start and end) followed by its value node.

pub const NULL: u8 = 0;
pub const FALSE: u8 = 1;
pub const TRUE: u8 = 2;
pub const INT: u8 = 3;
pub const FLOAT: u8 = 4;
pub const STR: u8 = 5;
pub const SEQ: u8 = 6;
pub const MAP: u8 = 7;
