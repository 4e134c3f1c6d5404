//! Pictures and documents sent in chat: what a file is, whether the desk takes it, and the
//! small picture shown in the conversation.
//!
//! The desk receives an attachment's bytes after the relay's encryption is undone. From then
//! on the sender is a stranger on the clinic's website as often as a colleague, so nothing the
//! sender says about the file counts: not its name, not the MIME type the browser claimed. The
//! bytes alone decide ([`content::check`]), and only four kinds pass: JPEG, PNG and WebP
//! pictures and PDF documents. A picture is decoded in full, which is the only way to know it
//! is whole, but never before its declared size has been weighed against fixed limits, so a
//! few kilobytes that claim to be a 60,000-pixel square cost nothing. A PDF is checked for its
//! structure and never rendered or run.
//!
//! Everything here is pure: bytes in, a verdict out. Storing the file and its thumbnail is the
//! chat's business. Decoding a large photo takes a noticeable fraction of a second, so callers
//! run [`content::check`] off the thread that answers the UI.

pub(crate) mod content;
pub(crate) mod store;
pub(crate) mod thumbs;
