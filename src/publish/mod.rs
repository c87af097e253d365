//! Website notices (work in progress).
