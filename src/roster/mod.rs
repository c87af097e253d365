//! Roster import (work in progress).
