//! Reads the pages and the API need, so that no handler reaches the store.
