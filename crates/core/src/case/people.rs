//! Who works on a case (C8, C10).

use crate::actor::UserRef;
use crate::ids::UserId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct People {
    pub coordinator: Option<UserRef>,
    /// Sorted by user id.
    pub collaborators: Vec<UserRef>,
}

impl People {
    pub fn is_coordinator(&self, user: UserId) -> bool {
        self.coordinator.as_ref().is_some_and(|c| c.id == user)
    }

    pub fn is_collaborator(&self, user: UserId) -> bool {
        self.collaborators.iter().any(|c| c.id == user)
    }

    pub(super) fn add(&mut self, collaborator: &UserRef) {
        self.collaborators.push(collaborator.clone());
        self.collaborators.sort_by_key(|u| u.id);
    }

    pub(super) fn remove(&mut self, user: UserId) {
        self.collaborators.retain(|u| u.id != user)
    }
}
