//! The host's JavaScript through the public [`Sandbox`]: the web globals
//! against their standards, the limits, and the result encoding.

mod base64;
mod core;
mod crypto;
mod crypto_aes;
mod crypto_common;
mod crypto_errors;
mod limits;
mod support;
mod text;
mod url;
mod url_search_params;
